"""``jaxscape study optimizers --quick`` writes its files; bad input fails before compiling."""

from __future__ import annotations

import csv

import numpy as np

from jaxscape.cli import main
from jaxscape.study import LEARNING_RATES, ZooResult


def test_quick_zoo_writes_table_figure_and_summary(tmp_path, capsys):
    out = tmp_path / "zoo"
    assert main(["study", "optimizers", "--quick", "--optimizers", "Adam", "--out", str(out)]) == 0
    for name in ("zoo/zoo.json", "zoo/zoo.csv", "zoo/curves.npz", "zoo.png", "summary.md"):
        assert (out / name).is_file(), name
    rows = list(csv.DictReader((out / "zoo" / "zoo.csv").open()))
    assert [r["optimizer"] for r in rows] == ["Adam"] * 4
    np.testing.assert_allclose([float(r["learning_rate"]) for r in rows], LEARNING_RATES[::12])
    res = ZooResult.load(out / "zoo")
    assert res.steps.tolist() == [50, 100] and res.train_accuracy.shape == (4, 2)
    # accuracies are accuracies; the smallest rate (1e-6) learns nothing; Adam at 10 diverges
    acc = res.train_accuracy[~res.diverged]
    assert np.all((acc >= 0) & (acc <= 1))
    assert res.diverged.tolist() == [False, False, False, True]
    assert res.steps_to_target[0] == -1
    summary = (out / "summary.md").read_text()
    assert "| Adam | " in summary and "15 of 48" in summary
    assert "wrote" in capsys.readouterr().out


def test_unknown_optimizer_is_a_user_error(tmp_path, capsys):
    code = main(["study", "optimizers", "--quick", "--optimizers", "Lion", "--out", str(tmp_path)])
    assert code == 2
    assert "optimizers" in capsys.readouterr().err
