"""Each red flag on synthetic results: it fires on the symptom and stays quiet without it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jaxscape.landscape import LandscapeLine
from jaxscape.tune.range_tests._run_parallel import analyse_parallel
from jaxscape.tune.range_tests._run_ramp import analyse_ramp
from jaxscape.tune.seven_steps import flags as fl
from jaxscape.tune.seven_steps.line_search import barrier

RATES = np.geomspace(1e-4, 10.0, 11)


def _parallel(final_train, final_val_loss, final_acc, *, param="learning_rate", values=RATES):
    """A parallel test whose runs ended at the given values (initial losses 2.3, acc 0.1)."""
    k = len(values)
    curves = {
        "train_loss": np.stack([np.full(k, 2.3), final_train], 1),
        "val_loss": np.stack([np.full(k, 2.3), final_val_loss], 1),
        "val_accuracy": np.stack([np.full(k, 0.1), final_acc], 1),
    }
    diverged = ~np.isfinite(np.asarray(final_train, dtype=float))
    initial = {"train_loss": 2.3, "val_loss": 2.3, "val_accuracy": 0.1}
    return analyse_parallel(
        param,
        np.asarray(values),
        np.array([5, 10]),
        curves,
        diverged,
        initial,
        metric="val_accuracy",
        tolerance=None,
        scale="log" if param != "momentum" else "momentum",
    )


def _healthy():
    train = np.array([2.29, 2.27, 2.2, 1.8, 1.0, 0.4, 0.2, 0.25, 2.3, np.nan, np.nan])
    test = train + 0.05
    acc = np.array([0.12, 0.15, 0.3, 0.6, 0.85, 0.93, 0.95, 0.94, 0.1, np.nan, np.nan])
    return _parallel(train, test, acc)


def test_a_healthy_test_raises_nothing():
    t = _healthy()
    assert t.suggestion == pytest.approx(RATES[6]) and t.divergence == pytest.approx(RATES[8])
    for flag in (fl.no_progress_flag, fl.loss_rises_flag, fl.nonfinite_flag, fl.edge_flag):
        assert flag(t) is None


def test_initial_loss_far_from_log_c():
    assert fl.initial_loss_flag(math.log(10) + 0.2, 10) is None
    flag = fl.initial_loss_flag(17.0, 10)
    assert flag.code == "initial_loss" and "log(10) = 2.3" in flag.message
    assert fl.initial_loss_flag(0.2, 10).code == "initial_loss"  # too good to be true
    assert fl.initial_loss_flag(17.0, 10, "mse") is None  # only for cross-entropy
    assert fl.initial_loss_flag(17.0, None) is None


def test_gradient_ascent_raises_no_progress_and_loss_rises():
    train = np.array([2.31, 2.33, 2.4, 2.9, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan])
    t = _parallel(train, train + 0.01, np.full(11, 0.1))
    assert fl.no_progress_flag(t).code == "no_progress"
    rises = fl.loss_rises_flag(t)
    assert rises.code == "loss_rises" and "0.0001" in rises.message
    # shuffled labels: the training loss falls, the validation loss too at small rates
    ok_train = np.array([2.29, 2.28, 2.2, 1.9, 1.5, 1.2, 2.3, np.nan, np.nan, np.nan, np.nan])
    shuffled = _parallel(ok_train, np.full(11, 2.29), np.full(11, 0.1))
    assert fl.no_progress_flag(shuffled) is None and fl.loss_rises_flag(shuffled) is None


def test_one_rising_rate_is_not_enough():
    train = np.array([2.31, 2.2, 2.0, 1.5, 1.0, 0.5, 0.3, 0.3, 2.3, np.nan, np.nan])
    t = _parallel(train, train, np.linspace(0.1, 0.9, 11))
    assert fl.loss_rises_flag(t) is None  # only the smallest rate rose (noise)


def test_nonfinite_at_small_rates():
    train = np.array([2.2, np.nan, 1.5, 1.0, 0.5, 0.3, 0.2, 0.2, 0.3, 2.3, 2.3])
    t = _parallel(train, train, np.linspace(0.1, 0.9, 11))
    flag = fl.nonfinite_flag(t)
    assert flag.code == "nonfinite_small" and "0.000316" in flag.message
    assert fl.nonfinite_flag(_healthy()) is None  # divergence at the top is expected


def test_chosen_value_at_the_edge():
    train = np.linspace(2.2, 0.1, 11)  # still improving at the largest rate
    t = _parallel(train, train, np.linspace(0.1, 0.97, 11))
    flag = fl.edge_flag(t)
    assert flag.code == "at_edge" and "largest" in flag.message
    low = _parallel(
        np.linspace(0.1, 2.2, 11), np.linspace(0.1, 2.2, 11), np.linspace(0.97, 0.1, 11)
    )
    assert "smallest" in fl.edge_flag(low).message
    # momentum 0 being best is a legitimate answer; the top edge is not
    m = np.array([0.0, 0.5, 0.8, 0.9, 0.95])
    zero = _parallel(
        np.array([0.2, 0.3, 0.5, 1.0, 2.3]),
        np.zeros(5),
        np.array([0.95, 0.9, 0.8, 0.5, 0.1]),
        param="momentum",
        values=m,
    )
    assert fl.edge_flag(zero) is None


def test_chance_accuracy():
    assert "validation accuracy 0.12" in fl.chance_flag(0.12, 0.1, 360).message
    assert fl.chance_flag(0.12, 0.1, 360).code == "chance_accuracy"
    assert fl.chance_flag(0.16, 0.1, 360) is None  # above 0.1 + max(0.05, 3 * 0.0158)
    assert fl.chance_flag(0.6, 0.5, 20).code == "chance_accuracy"  # 3 SE of 20 examples: 0.34
    assert fl.chance_flag(float("nan"), 0.1, 360) is None


def test_train_val_gap():
    assert fl.gap_flag(1.0, 0.95, "accuracy") is None
    assert "validation 0.7 (gap 0.3" in fl.gap_flag(1.0, 0.7, "accuracy").message
    assert fl.gap_flag(0.1, 0.5, "loss").code == "train_val_gap"
    assert fl.gap_flag(0.1, 0.15, "loss") is None


def test_a_search_where_every_value_failed_is_flagged_with_its_fallback():
    dead = _parallel(np.full(11, np.nan), np.full(11, np.nan), np.full(11, np.nan))
    assert dead.band is None
    flag = fl.search_failed_flag(dead, float(RATES[0]), step="6. adam rate search")
    assert flag.code == "search_failed" and flag.step == "6. adam rate search"
    assert "every one of the 11 learning_rate values" in flag.message
    assert "fell back to 0.0001" in flag.message
    assert fl.search_failed_flag(_healthy(), float(RATES[0]), step="x") is None


def test_direction_fallback_flag_carries_the_reason():
    flag = fl.direction_fallback_flag("Adam at 0.001 diverged at step 3 of 50")
    assert flag.code == "direction_fallback" and "diverged at step 3 of 50" in flag.message


def _line(values):
    a = np.linspace(0.0, 1.0, len(values))
    return LandscapeLine(a, {"train_loss": np.asarray(values, dtype=float)}, {})


def test_barrier_height_and_flag():
    monotone = _line(np.linspace(2.3, 0.1, 11))
    assert barrier(monotone).height == 0.0 and fl.barrier_flag(monotone) is None
    # a bump of 0.6 above the higher of its two valleys (1.0 on the left, 0.1 on the right)
    bumped = _line([2.3, 1.5, 1.0, 1.3, 1.6, 1.2, 0.6, 0.3, 0.1])
    b = barrier(bumped)
    assert b.height == pytest.approx(0.6) and b.alpha == pytest.approx(0.5)
    assert fl.barrier_flag(bumped).code == "barrier"
    # ending a little past the minimum is not a barrier
    overshoot = _line([2.3, 1.0, 0.3, 0.1, 0.12])
    assert barrier(overshoot).height == 0.0
    # points outside [0, 1] are ignored
    wide = LandscapeLine(
        np.array([-0.5, 0, 0.5, 1, 1.5]), {"train_loss": np.array([9, 2, 1, 0.1, 5.0])}
    )
    assert barrier(wide).height == 0.0


def test_ramp_flags():
    v = np.geomspace(1e-6, 10, 60)
    bad = np.concatenate([np.linspace(2.3, 2.28, 20), [np.nan] * 40])  # barely moves
    ramp = analyse_ramp(
        "learning_rate",
        v,
        np.arange(60),
        {"train_loss": bad},
        {"train_loss": 2.3},
        metric="train_loss",
        beta=0.98,
        bias_correction=True,
        stop_factor=4.0,
        rule="valley",
        spacing="log",
        skip_start=None,
        skip_end=5,
        settings={},
    )
    assert fl.nonfinite_flag(ramp).code == "nonfinite_small"
    assert fl.no_progress_flag(ramp).code == "no_progress"
    assert fl.loss_rises_flag(ramp) is None and fl.edge_flag(ramp) is None
