"""Paired verdicts (effect size, spread, decision rule), the plateau rule and the budget."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jaxscape.tune import Budget
from jaxscape.tune.comparisons.plateau import plateau_epoch
from jaxscape.tune.comparisons.verdict import paired_verdict


def test_verdict_is_the_paired_mean_and_standard_error():
    base = np.array([0.90, 0.92, 0.91, 0.93])
    var = np.array([0.93, 0.93, 0.94, 0.94])
    v = paired_verdict(base, var, metric="val_accuracy")
    d = var - base  # 0.03, 0.01, 0.03, 0.01
    assert v.effect == pytest.approx(0.02)
    assert v.se == pytest.approx(np.std(d, ddof=1) / 2)  # 0.011547 / 2
    assert v.n == 4 and v.adopt  # 0.02 > 2 * 0.00577
    assert "Adopt" in v.reason and "+0.02" in v.reason


def test_pairing_removes_the_seed_to_seed_spread():
    # Seeds differ a lot, the variant is better by exactly 0.01 on every one: an unpaired
    # comparison could not tell, the paired one is certain.
    base = np.array([0.70, 0.80, 0.90])
    v = paired_verdict(base, base + 0.01, metric="val_accuracy")
    assert v.effect == pytest.approx(0.01) and v.se == pytest.approx(0.0, abs=1e-12)
    assert v.adopt


def test_losses_are_lower_is_better_and_small_effects_are_not_adopted():
    base = np.array([0.30, 0.32, 0.31])
    v = paired_verdict(base, base - np.array([0.02, -0.01, 0.005]), metric="val_loss")
    assert v.effect == pytest.approx(0.005)  # positive: the variant's loss is lower on average
    assert not v.adopt  # 0.005 < 2 SE
    strict = paired_verdict(base, base - 0.01, metric="val_loss", min_effect=0.02)
    assert not strict.adopt and "0.02" in strict.reason


def test_divergence_and_single_seeds_never_adopt():
    v = paired_verdict(np.array([0.9, 0.9]), np.array([np.nan, 0.99]), metric="val_accuracy")
    assert not v.adopt and "diverged in 1 of 2" in v.reason
    one = paired_verdict(np.array([0.5]), np.array([0.9]), metric="val_accuracy")
    assert not one.adopt and math.isnan(one.se) and "fewer than two" in one.reason
    with pytest.raises(ValueError, match="baseline and variant"):
        paired_verdict(np.zeros(2), np.zeros(3), metric="val_accuracy")


def test_plateau_of_a_loss_curve_and_of_one_that_falls_off():
    e = np.arange(11)
    loss = 0.2 + 2.1 * np.exp(-e / 2.0)  # 95% of the drop at e = 2 ln 20 = 5.99 -> epoch 6
    assert plateau_epoch(e, loss, "val_loss").epoch == 6
    # over-fitting: best at epoch 3, then worse; 95% of the way is reached at epoch 3
    overfit = np.array([2.3, 1.0, 0.6, 0.5, 0.7, 0.9, 1.2])
    assert plateau_epoch(np.arange(7), overfit, "val_loss").epoch == 3
    acc = np.array([0.1, 0.5, 0.8, 0.9, 0.95, 0.96, 0.96])  # 0.1 + 0.95 * 0.86 = 0.917 -> 4
    assert plateau_epoch(np.arange(7), acc, "val_accuracy").epoch == 4
    # no improvement at all: the last epoch; M is at least 1
    assert plateau_epoch(np.arange(5), np.full(5, 2.3), "val_loss").epoch == 4
    assert plateau_epoch(np.arange(3), np.array([2.3, 0.1, 0.1]), "val_loss").epoch == 1


def test_budget_checks_and_quick():
    assert Budget().seeds == 5 and Budget.quick().train_epochs == 3.0
    assert Budget().replace(seeds=None, epochs=2).epochs == 2.0
    with pytest.raises(ValueError, match="ramp_steps"):
        Budget(ramp_steps=3)
    with pytest.raises(ValueError, match="epochs"):
        Budget(epochs=0)
    with pytest.raises(TypeError, match="seeds"):
        Budget(seeds=2.5)
