"""``jaxscape recipe --quick``: the default command end to end (the CI smoke run), and its
argument errors."""

from __future__ import annotations

import importlib
import json
import math

import numpy as np
import pytest

import jaxscape as js
from jaxscape.cli import main

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_quick_recipe_on_the_default_problem(tmp_path, capsys):
    out = tmp_path / "recipe"
    assert main(["recipe", "--quick", "--no-progress", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "[1/7]" in printed and "[7/7]" in printed  # one line per step
    assert f"report:  {out / 'report.html'}" in printed
    s = json.loads((out / "summary.json").read_text())
    assert s["info"]["problem"] == "CNN on digits" and s["info"]["num_params"] == 22634
    # the chosen rate lies in the band of an independent grid: the same rates, budget, batch
    # size and seed trained by a direct sweep, scored on the validation split
    _assert_in_the_band_of_a_direct_grid(s["learning_rate"])
    assert 0.0 <= s["momentum"] < 1.0
    assert isinstance(s["use_decay"], bool) and isinstance(s["use_cyclical"], bool)
    assert s["best_optimizer"]["name"] in ("sgd", "adam")
    assert s["best_optimizer"]["learning_rate"] > 0
    assert isinstance(s["red_flags"], list)
    for flag in s["red_flags"]:
        assert set(flag) == {"code", "step", "message", "check"}
    assert f"learning_rate  {s['learning_rate']:.4g}" in printed
    # even the smoke budget trains the CNN well past chance on the digits; the test split is
    # reported once, for the chosen configuration, beside the validation score it was chosen on
    assert s["final"]["split"] == "test" and s["final_val"]["split"] == "val"
    acc = s["final"]["mean_over_seeds"]["test_accuracy"]
    assert math.isfinite(acc) and acc > 0.5
    assert s["final_val"]["mean_over_seeds"]["val_accuracy"] > 0.5
    assert "final (test)" in printed and "chosen on" in printed
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert "overview.png" in pngs and "2_lr_range.png" in pngs and "7_final_line.png" in pngs
    assert all((out / p).read_bytes().startswith(PNG) for p in pngs)
    assert (out / "final_line" / "landscape.json").is_file()  # the line, for galleries
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == len(pngs)


def _assert_in_the_band_of_a_direct_grid(chosen: float) -> None:
    budget = js.tune.Budget.quick()
    prob = js.tune.default_problem()
    rates = np.geomspace(budget.min_lr, budget.max_lr, budget.num_rates)
    steps = round(budget.epochs * prob.steps_per_epoch(budget.batch_size))
    grid = js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": rates},
        steps=steps,
        batch_size=budget.batch_size,
        seed=0,
        progress=False,
    )
    acc = np.nan_to_num(grid.final("val_accuracy"), nan=0.0)
    # the recipe's band tolerance (2 points), plus one validation example for float rounding
    tol = 0.02 + 1.0 / prob.data.n_val
    good = rates[acc >= acc.max() - tol]
    assert np.any(np.isclose(rates, chosen, rtol=1e-9)), (chosen, rates)
    assert good.min() <= chosen <= good.max(), (chosen, rates, acc)
    assert acc[np.isclose(rates, chosen, rtol=1e-9)][0] >= acc.max() - tol


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--optimizers", "lion"], "unknown optimizer"),
        (["--seeds", "0"], "seeds"),
        (["--ramp-steps", "3"], "ramp_steps"),
        (["--data", "/nonexistent/mnist"], "nonexistent"),
    ],
)
def test_bad_arguments_exit_with_status_2(tmp_path, capsys, args, match):
    assert main(["recipe", "--quick", "--model", "logreg", "--out", str(tmp_path), *args]) == 2
    assert match in capsys.readouterr().err


def test_ctrl_c_keeps_the_checkpoints_and_the_same_command_resumes(tmp_path, capsys, monkeypatch):
    sweep_module = importlib.import_module("jaxscape.population.sweep")

    out = tmp_path / "recipe"
    argv = ["recipe", "--quick", "--model", "logreg", "--no-progress", "--out", str(out)]
    original, made = sweep_module.run, []

    def interrupt_the_third(*args, **kwargs):
        made.append(1)
        if len(made) == 3:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(sweep_module, "run", interrupt_the_third)
        assert main(argv) == 130
    assert "run the same command to resume" in capsys.readouterr().err
    assert len(list((out / "checkpoints").glob("*.ckpt.npz"))) == 2
    assert main(argv) == 0
    assert "resuming: 2 saved population(s)" in capsys.readouterr().out
    assert (out / "summary.json").is_file() and not (out / "checkpoints").exists()
