"""The procedure plots draw the data they are given and write PNGs atomically."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from jaxscape.tune.comparisons.comparison import Comparison, verdicts_for
from jaxscape.tune.range_tests._run_parallel import analyse_parallel
from jaxscape.tune.range_tests._run_ramp import analyse_ramp

PNG = b"\x89PNG\r\n\x1a\n"


def _parallel(param="learning_rate"):
    values = np.geomspace(1e-3, 1.0, 7) if param == "learning_rate" else np.linspace(0, 0.9, 7)
    final = np.array([2.2, 1.5, 0.8, 0.3, 0.25, 2.3, np.nan])
    acc = np.array([0.2, 0.5, 0.8, 0.93, 0.94, 0.1, np.nan])
    curves = {
        "train_loss": np.stack([np.full(7, 2.3), final], 1),
        "val_accuracy": np.stack([np.full(7, 0.1), acc], 1),
    }
    return analyse_parallel(
        param,
        values,
        np.array([10, 20]),
        curves,
        ~np.isfinite(final),
        {"train_loss": 2.3},
        metric="val_accuracy",
        tolerance=None,
        scale="log" if param == "learning_rate" else "momentum",
        steps_per_epoch=10,
    )


def test_parallel_plot_marks_band_choice_and_cliff(tmp_path):
    test = _parallel()
    fig = test.plot(tmp_path / "lr.png")
    assert isinstance(fig, Figure) and (tmp_path / "lr.png").read_bytes().startswith(PNG)
    left = fig.axes[0]
    labels = [h.get_label() for h in left.get_legend().legend_handles]
    assert any(lbl.startswith("choice") for lbl in labels)
    assert any(lbl.startswith("fails from") for lbl in labels)
    # the accuracy curve holds exactly the finished runs
    line = next(ln for ln in left.lines if ln.get_label() == "val accuracy")
    np.testing.assert_allclose(line.get_ydata(), [0.2, 0.5, 0.8, 0.93, 0.94])
    assert _parallel("momentum").plot() is not None  # momentum axis


def test_ramp_plot_marks_every_suggestion(tmp_path):
    v = np.geomspace(1e-4, 1, 60)
    loss = np.concatenate([np.linspace(2.3, 0.5, 45), np.geomspace(0.6, 80, 15)])
    ramp = analyse_ramp(
        "learning_rate",
        v,
        np.arange(60),
        {"train_loss": loss},
        {},
        metric="train_loss",
        beta=0.9,
        bias_correction=True,
        stop_factor=4.0,
        rule="valley",
        spacing="log",
        skip_start=None,
        skip_end=5,
        settings={"ramp": "exponential", "every": "step"},
    )
    fig = ramp.plot(tmp_path / "ramp.png")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    for rule in ("valley", "slide", "minimum", "steepest"):
        assert any(t.startswith(rule) for t in labels)
    assert any(t.startswith("stop") for t in labels)


def test_comparison_plot_has_curves_differences_and_rates(tmp_path):
    seeds = np.array([0, 1, 2])
    curves = {
        arm: {"val_accuracy": np.stack([np.linspace(0.1, 0.9 + d + 0.01 * s, 5) for s in seeds])}
        for arm, d in (("constant", 0.0), ("decay", 0.02))
    }
    cmp = Comparison(
        "schedules",
        ["constant", "decay"],
        {},
        seeds,
        np.arange(5) * 10,
        10,
        curves,
        {a: np.zeros(3, bool) for a in curves},
        "val_accuracy",
        verdicts_for(curves, ["constant", "decay"], "val_accuracy", k=2.0, min_effect=0.0),
        rates={"constant": np.full(40, 0.1), "decay": 0.1 * 0.9 ** (np.arange(40) // 10)},
    )
    fig = cmp.plot(tmp_path / "cmp.png")
    assert len(fig.axes) == 3 and (tmp_path / "cmp.png").read_bytes().startswith(PNG)
    assert "adopt" in fig.axes[1].get_xticklabels()[0].get_text()  # +0.02 every seed: adopted
