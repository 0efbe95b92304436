"""The band rule of parallel range tests on synthetic scores with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from jaxscape.tune.range_tests.band import select_band


def _band(scores, values=None, ok=None, tolerance=0.02, scale="log"):
    scores = np.asarray(scores, dtype=float)
    values = np.geomspace(1e-3, 1.0, scores.size) if values is None else np.asarray(values)
    ok = np.isfinite(scores) if ok is None else np.asarray(ok)
    return select_band(values, scores, ok, tolerance=tolerance, scale=scale)


def test_band_is_contiguous_around_the_best_and_centred_in_log_space():
    v = np.array([1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0])
    s = np.array([0.1, 0.80, 0.89, 0.90, 0.895, 0.885, np.nan])
    band = _band(s, v, tolerance=0.02)
    assert (band.lo, band.hi, band.best) == (0.1, 100.0, 1.0)
    assert band.choice == 1.0  # log-centre of 0.1 and 100 is 10^0.5: nearest is 1.0 (lower tie)
    assert band.indices.tolist() == [2, 3, 4, 5]


def test_a_dip_below_tolerance_cuts_the_band():
    s = [0.5, 0.9, 0.91, 0.7, 0.91, 0.9]
    band = _band(s)
    assert band.indices.tolist() == [1, 2]  # the run 4..5 is as good but not contiguous


def test_failed_runs_never_enter_the_band():
    s = np.array([0.2, 0.9, 0.95, 0.94])
    band = _band(s, ok=[True, True, True, False])
    assert band.hi == pytest.approx(np.geomspace(1e-3, 1.0, 4)[2])
    assert _band([np.nan, np.nan]) is None
    assert _band([0.3, 0.4], ok=[False, False]) is None


def test_momentum_scale_centres_on_the_effective_step_multiplier():
    # 1/(1-m) for 0, 0.5, 0.75, 0.875, 0.9375 is 1, 2, 4, 8, 16: the centre of the whole band
    # in log(1/(1-m)) is 4, i.e. m = 0.75 (on a linear scale it would be 0.47, nearest 0.5).
    m = np.array([0.0, 0.5, 0.75, 0.875, 0.9375])
    band = _band(np.full(5, 0.9), m, scale="momentum")
    assert band.choice == 0.75
    assert _band(np.full(5, 0.9), m, scale="linear").choice == 0.5


def test_tolerance_zero_picks_the_best_and_errors_are_named():
    s = [0.1, 0.5, 0.9, 0.6]
    assert _band(s, tolerance=0.0).choice == pytest.approx(np.geomspace(1e-3, 1.0, 4)[2])
    with pytest.raises(ValueError, match="tolerance"):
        _band(s, tolerance=-1)
    with pytest.raises(ValueError, match="increasing"):
        _band(s, values=[1.0, 0.5, 0.2, 0.1])
    with pytest.raises(ValueError, match="scale"):
        _band(s, scale="sqrt")


def test_a_tie_for_the_best_accuracy_falls_to_the_loss():
    """Three rates tie on validation accuracy: the best is the one with the lowest loss (not
    the first), and the band is built around it."""
    v = np.array([0.01, 0.1, 1.0, 10.0])
    acc = np.array([0.5, 0.9, 0.9, 0.9])
    loss = np.array([1.0, 0.40, 0.30, 0.35])
    first = select_band(v, acc, np.ones(4, bool), tolerance=0.0)
    tied = select_band(v, acc, np.ones(4, bool), tolerance=0.0, ties=-loss)
    assert first.best == 0.1 and tied.best == 1.0
