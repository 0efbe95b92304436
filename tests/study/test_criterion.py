"""The survey's criterion on planted accuracy curves, against a direct loop over steps."""

from __future__ import annotations

import numpy as np
import pytest

from jaxscape.study import ZooResult, running_mean, steps_to_streaming_target, steps_to_target


def _streaming_by_loop(per_step: np.ndarray, every: int, target: float) -> int:
    """tf.metrics.accuracy read every ``every`` steps: the mean of all mini-batch accuracies."""
    total = 0.0
    for s, a in enumerate(per_step, start=1):
        total += a
        if s % every == 0 and total / s > target:
            return s
    return -1


def _planted(rng, steps: int, rise: float) -> np.ndarray:
    t = np.arange(steps)
    clean = 1 - 0.9 * np.exp(-t / rise)
    return np.clip(clean + rng.normal(0, 0.02, steps), 0, 1)


@pytest.mark.parametrize("rise", [20.0, 80.0, 400.0])
def test_streaming_criterion_equals_the_running_mean_over_every_step(rise):
    rng = np.random.default_rng(int(rise))
    per_step = _planted(rng, 3000, rise)
    windows = per_step.reshape(-1, 100).mean(axis=1)
    steps = np.arange(100, 3001, 100)
    got = steps_to_streaming_target(windows[None], steps, 0.97)[0]
    assert got == _streaming_by_loop(per_step, 100, 0.97)


def test_streaming_lags_the_current_accuracy():
    # accuracy 0.5 for one window then 1.0: the running mean passes 0.97 only once
    # 0.5 / n < 0.03, i.e. n > 16.7 windows -> the 17th recording.
    windows = np.array([[0.5] + [1.0] * 30])
    steps = np.arange(1, 32) * 100
    assert steps_to_streaming_target(windows, steps, 0.97).tolist() == [1700]
    assert steps_to_target(windows, steps, 0.97).tolist() == [200]


def test_exceeds_is_strict_and_nan_fails():
    steps = np.array([10, 20])
    assert steps_to_streaming_target([[0.97, 0.97]], steps, 0.97).tolist() == [-1]
    assert steps_to_target([[0.97, 0.97]], steps, 0.97).tolist() == [10]
    assert steps_to_streaming_target([[np.nan, 1.0]], steps, 0.5).tolist() == [-1]
    np.testing.assert_allclose(running_mean([[1.0, 0.0, 0.5]]), [[1.0, 0.5, 0.5]])


def test_bad_shapes_and_targets():
    with pytest.raises(ValueError, match="steps"):
        steps_to_target([[0.1, 0.2]], [10, 20, 30])
    with pytest.raises(ValueError, match="target"):
        steps_to_streaming_target([[0.1]], [10], 1.5)


def _result(steps_to, lrs, names):
    n = len(lrs)
    return ZooResult(
        np.array(names),
        np.array(lrs, float),
        np.ones(n),
        np.full(n, 10),
        np.array([100, 200]),
        np.zeros((n, 2)),
        np.zeros((n, 2)),
        np.array(steps_to),
        np.array(steps_to),
        np.full(n, 0.5),
        np.zeros(n, bool),
        0.97,
        {"problem": "planted"},
    )


def test_summary_band_and_best_rate(tmp_path):
    r = _result(
        [-1, 200, 100, 100, -1, 200],
        [1e-3, 1e-2, 1e-1, 1.0, 10.0, 1e-2],
        ["GD", "GD", "GD", "GD", "GD", "Adam"],
    )
    gd, adam = r.per_optimizer()
    assert (gd["successes"], gd["band"], gd["best_rate"], gd["best_steps"]) == (
        3,
        (1e-2, 1.0),
        0.1,
        100,
    )
    assert adam["successes"] == 1 and adam["band"] == (1e-2, 1e-2)
    np.testing.assert_allclose(r.seconds_to_target, [np.nan, 100, 50, 50, np.nan, 100])
    r.save(tmp_path / "z")
    back = ZooResult.load(tmp_path / "z")
    assert back.per_optimizer() == r.per_optimizer()
    assert back.summary() == r.summary() and "GD: 3/5" in r.summary()
    np.testing.assert_array_equal(back.optimizer, r.optimizer)
    df = back.to_dataframe()
    assert list(df["steps_to_target"]) == [-1, 200, 100, 100, -1, 200]
    assert (tmp_path / "z" / "zoo.csv").read_text().splitlines()[0].startswith("optimizer,")
