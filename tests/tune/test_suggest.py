"""Smoothing, stopping and the four suggestion rules on synthetic curves with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from jaxscape.tune.range_tests.smoothing import ema, stop_index
from jaxscape.tune.range_tests.suggest import (
    minimum,
    prepare_curve,
    slide,
    steepest,
    suggest,
    valley,
)


def test_ema_with_bias_correction_is_the_weighted_mean_of_the_past():
    # Closed form: v_t / (1 - b^t) = sum_i (1-b) b^(t-i) l_i / (1 - b^t), a weighted mean.
    rng = np.random.default_rng(0)
    losses = rng.uniform(1, 3, 50)
    beta = 0.9
    got = ema(losses, beta)
    for t in (1, 2, 10, 50):
        w = (1 - beta) * beta ** np.arange(t - 1, -1, -1)
        np.testing.assert_allclose(got[t - 1], np.sum(w * losses[:t]) / (1 - beta**t))
    np.testing.assert_allclose(ema(np.full(30, 2.5)), 2.5)  # a constant stays constant
    np.testing.assert_allclose(ema(losses, 0.0), losses)


def test_ema_without_bias_correction_starts_at_the_first_loss():
    got = ema([4.0, 0.0, 0.0], beta=0.95, bias_correction=False)
    np.testing.assert_allclose(got, [4.0, 3.8, 3.61])


def test_stop_index_is_the_first_point_above_factor_times_the_best():
    curve = np.array([3.0, 2.0, 1.0, 0.5, 1.5, 1.99, 2.01, 9.0])
    assert stop_index(curve, 4.0) == 6  # 2.01 > 4 * 0.5
    assert stop_index(curve, 5.0) == 7  # torch-lr-finder's threshold
    assert stop_index([1.0, 0.9, np.nan, 0.1]) == 2  # non-finite stops too
    assert stop_index(np.linspace(3, 1, 10)) is None


def test_valley_of_a_strictly_decreasing_curve():
    # Worked by hand through fastai's bookkeeping: the start is recorded as -1, the end as
    # n-1, so idx = -1 + int(n/3) + int(n/6); for n = 100 that is 48.
    lrs = np.geomspace(1e-5, 1.0, 100)
    assert valley(lrs, np.linspace(5, 1, 100)) == pytest.approx(lrs[48])


def test_valley_of_a_valley_shaped_curve():
    # Rising 0..19 (1.00..1.19), falling 20..79 (3 -> 0.5), rising 80..99 (0.6 -> 10): the
    # longest decreasing run is 20..79 (60 points), recorded with start 19 and end 79, so
    # idx = 19 + int(60/3) + int(20/2) = 49.
    up = 1.0 + 0.01 * np.arange(20)
    down = np.linspace(3.0, 0.5, 60)
    tail = np.linspace(0.6, 10.0, 20)
    lrs = np.geomspace(1e-6, 10.0, 100)
    assert valley(lrs, np.concatenate([up, down, tail])) == pytest.approx(lrs[49])


def test_minimum_is_a_tenth_of_the_argmin():
    lrs = np.geomspace(1e-4, 1, 9)
    loss = (np.log10(lrs) + 1.5) ** 2
    assert minimum(lrs, loss) == pytest.approx(lrs[5] / 10)  # argmin at 10^-1.5


def test_steepest_depends_on_the_spacing():
    # L = 2 - tanh(2 (log10 lr + 2)): steepest in log(lr) at lr = 1e-2 exactly.
    lrs = np.geomspace(1e-5, 1.0, 101)  # 20 points per decade, 1e-2 is lrs[60]
    loss = 2.0 - np.tanh(2.0 * (np.log10(lrs) + 2.0))
    # fastai's forward differences return the left end of the steepest interval
    assert steepest(lrs, loss, "log") in (pytest.approx(lrs[59]), pytest.approx(lrs[60]))
    assert steepest(lrs, loss, "index") == pytest.approx(lrs[60])  # exponential ramp: same
    # Over lr itself: maximise sech^2(2(u + 2)) 10^-u (u = log10 lr), i.e.
    # tanh(2(u + 2)) = -ln(10)/4, u = -2 - atanh(ln(10)/4)/2: lr = 4.70e-3, not 1e-2.
    expected = 10 ** (-2 - np.arctanh(np.log(10) / 4) / 2)
    got = steepest(lrs, loss, "linear")
    assert abs(np.log10(got) - np.log10(expected)) <= 0.05 + 1e-9  # within one grid step
    with pytest.raises(ValueError, match="spacing"):
        steepest(lrs, loss, "lr")
    with pytest.raises(ValueError, match="positive"):
        steepest(np.linspace(0, 1, 5), np.arange(5.0), "log")


def test_slide_stops_when_the_gradient_is_flat_over_the_window():
    lrs = np.geomspace(1e-4, 1, 40)
    assert slide(lrs, 3.0 - 0.05 * np.arange(40)) == pytest.approx(lrs[-16])
    # A kink: flat until 24, then a steep fall. The window [l, r] slides left while g[r] and
    # g[l] differ: it stops once both ends lie in the flat part (r = 23), so l = 23 - 15 = 8.
    loss = np.concatenate([np.full(25, 2.0), 2.0 - 0.2 * np.arange(1, 16)])
    got = slide(lrs, loss)
    assert lrs[6] <= got <= lrs[9]


def test_suggest_dispatches_and_checks_the_rule():
    lrs, loss = np.geomspace(1e-3, 1, 10), np.linspace(3, 1, 10)
    assert suggest(lrs, loss, "minimum") == minimum(lrs, loss)
    assert suggest(lrs, loss, "steepest", "index") == steepest(lrs, loss, "index")
    with pytest.raises(ValueError, match="rule"):
        suggest(lrs, loss, "median")


def test_prepare_curve_trims_like_fastai():
    v = np.arange(100.0)
    loss = np.linspace(3, 1, 100)
    loss[70] = np.nan
    x, y = prepare_curve(v, loss, stop=80)  # keep 0..80, drop 10 first and 5 last, cut at NaN
    assert np.all(np.isfinite(y))
    assert x[0] == 10 and x[-1] == 69
    x, _ = prepare_curve(v[:6], loss[:6], skip_start=2, skip_end=5)  # too short: untrimmed
    assert x.size == 6
