"""``jaxscape sweep`` end to end on a tiny problem."""

from __future__ import annotations

import numpy as np

import jaxscape as js
from jaxscape.cli import main


def test_cli_sweep_writes_results_and_plots(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(
        [
            "sweep",
            "--model",
            "mlp",
            "--hidden",
            "8",
            "--lr",
            "0.01:1:4",
            "--hp",
            "momentum=0,0.9",
            "--steps",
            "20",
            "--eval-every",
            "10",
            "--batch-size",
            "32",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert rc == 0
    names = {p.name for p in out.iterdir()}
    assert {"sweep.json", "metrics.npz", "trials.csv", "final.png", "curves.png"} <= names
    res = js.SweepResult.load(out)
    assert res.n_trials == 8  # 4 rates x 2 momenta
    np.testing.assert_allclose(
        np.unique(res.hyperparams["learning_rate"]), 10 ** np.linspace(-2, 0, 4), rtol=1e-6
    )
    assert "ranked by final test_accuracy" in capsys.readouterr().out


def test_cli_sweep_reports_bad_values(tmp_path, capsys):
    rc = main(["sweep", "--lr", "0.1:oops", "--out", str(tmp_path), "--quiet"])
    assert rc == 2
    assert "--learning_rate" in capsys.readouterr().err
    rc = main(
        [
            "sweep",
            "--lr",
            "0.1",
            "--hp",
            "momentum=1.5",
            "--steps",
            "5",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    assert rc == 2
    assert "momentum" in capsys.readouterr().err
