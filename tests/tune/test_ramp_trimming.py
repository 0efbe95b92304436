"""The ramp's suggestions read the curve fastai's ``lr_find`` reads, also when it ends in NaN.

Reference: fastai's documented procedure, written here in plain NumPy. ``LRFinder`` records
every batch until the smoothed loss exceeds 4x its best (a NaN never does, so the recording
then runs to the end of the ramp); ``lr_find`` keeps ``[num_it // 10 : -5]`` of the recording
and cuts at the first NaN; ``valley``, ``slide``, ``minimum`` and ``steep`` read what is left.
"""

from __future__ import annotations

import numpy as np
import pytest

from jaxscape.tune.range_tests._run_ramp import analyse_ramp

NUM = 60
LRS = np.geomspace(1e-5, 10.0, NUM)


def fastai_curve(lrs, smooth, factor=4.0):
    best, end = np.inf, len(smooth)
    for i, v in enumerate(smooth):
        if v < best:
            best = v
        if v > factor * best:
            end = i + 1  # the batch that stops the fit is recorded
            break
    x, y = lrs[:end][len(lrs) // 10 : -5], smooth[:end][len(lrs) // 10 : -5]
    nan = np.flatnonzero(np.isnan(y))
    return (x[: nan[0]], y[: nan[0]]) if nan.size else (x, y)


def fastai_valley(x, y):
    n = len(y)
    lds, start, end = [1] * n, 0, 0
    for i in range(1, n):
        for j in range(i):
            if y[i] < y[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
            if lds[end] < lds[i]:
                end, start = i, i - lds[i]
    third = (end - start) / 3
    return x[start + int(third) + int(third / 2)]


def fastai_slide(x, y, lr_diff=15, thresh=0.005):
    g = np.gradient(y)
    r, left = -1, -1 - lr_diff
    out = x[left]
    while left >= -len(y) and abs(g[r] - g[left]) > thresh:
        out = x[left]
        r, left = r - 1, left - 1
    return out


def fastai_suggestions(x, y):
    steep = np.diff(y) / np.diff(np.log(x))
    return {
        "valley": fastai_valley(x, y),
        "slide": fastai_slide(x, y),
        "minimum": x[np.argmin(y)] / 10,
        "steepest": x[np.argmin(steep)],
    }


def _analyse(loss):
    return analyse_ramp(
        "learning_rate",
        LRS,
        np.arange(1, NUM + 1),
        {"train_loss": loss},
        {"train_loss": 2.3},
        metric="train_loss",
        beta=0.0,  # the planted curve is the smoothed curve
        bias_correction=True,
        stop_factor=4.0,
        rule="valley",
        spacing="log",
        skip_start=None,
        skip_end=5,
        settings={},
    )


def _planted(nan_from: int, blow_up: int | None = None) -> np.ndarray:
    """A slow descent, a steep fall in the last points before NaN (or a blow-up)."""
    i = np.arange(NUM, dtype=np.float64)
    loss = 2.3 - 0.01 * i + 0.03 * np.sin(i)  # wiggles: several decreasing stretches
    fall = np.arange(NUM) >= nan_from - 5
    loss[fall] -= 0.2 * (i[fall] - (nan_from - 6))
    if blow_up is not None:
        loss[blow_up] = 50.0
    loss[nan_from:] = np.nan
    return loss


@pytest.mark.parametrize(
    ("nan_from", "blow_up"),
    [(50, None), (45, None), (57, None), (50, 47)],
    ids=["nan-mid", "nan-early", "nan-in-last-5", "blow-up-then-nan"],
)
def test_suggestions_read_fastais_trimmed_curve(nan_from, blow_up):
    loss = _planted(nan_from, blow_up)
    x, y = fastai_curve(LRS, loss)
    assert x.size >= 20 and np.all(np.isfinite(y))
    ramp = _analyse(loss)
    expected = fastai_suggestions(x, y)
    for rule, value in expected.items():
        assert ramp.suggestions[rule] == pytest.approx(value, rel=1e-12), rule
    # the divergence point still names the first NaN (or the blow-up)
    assert ramp.stop == (blow_up if blow_up is not None else nan_from)


def test_the_fall_before_the_nan_decides_the_answer():
    """The old trimming (``skip_end`` points before the first NaN) dropped the last fall: the
    planted curve is one where that changes what the rules read."""
    loss = _planted(50)
    x, y = fastai_curve(LRS, loss)
    old_x, old_y = LRS[NUM // 10 : 51 - 5], loss[NUM // 10 : 51 - 5]
    assert x[-1] > old_x[-1]
    ramp = _analyse(loss)
    assert ramp.suggestions["minimum"] == pytest.approx(x[np.argmin(y)] / 10)
    assert ramp.suggestions["minimum"] != pytest.approx(old_x[np.argmin(old_y)] / 10)
