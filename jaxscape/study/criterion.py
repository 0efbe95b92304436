"""The survey's success criterion: when a run first reaches a target accuracy.

Two readings, both on recordings every ``k`` steps (``steps [T]``, the step counts at the ends
of the recording windows):

* :func:`steps_to_streaming_target`: the survey's *streaming* accuracy, TensorFlow's
  ``tf.metrics.accuracy`` read during training — the running mean of the mini-batch training
  accuracy (dropout on) over every step since step 0. With window means ``a_w [N, T]`` of the
  mini-batch accuracies (equal-sized windows), the running mean after window ``w`` is
  ``mean(a_0, ..., a_w)``; a run succeeds at the first ``steps[w]`` where it *exceeds* the
  target.
* :func:`steps_to_target`: the stricter reading — the accuracy of the whole training split
  (evaluation mode) at ``steps[w]`` is *at least* the target.

A run that never gets there, or whose curve turns NaN (it diverged), fails: ``-1``.
"""

from __future__ import annotations

import numpy as np

from jaxscape._checks import check_range


def running_mean(values) -> np.ndarray:
    """``[N, T] -> [N, T]``: the mean of each row's first ``w + 1`` entries at column ``w``.

    A NaN entry (a diverged trial) makes every later running mean NaN.

    >>> running_mean([[0.0, 1.0, 1.0, 1.0]]).tolist()
    [[0.0, 0.5, 0.6666666666666666, 0.75]]
    """
    a = np.atleast_2d(np.asarray(values, np.float64))
    return np.cumsum(a, axis=1) / np.arange(1, a.shape[1] + 1)


def _first(hit: np.ndarray, steps: np.ndarray) -> np.ndarray:
    idx = np.argmax(hit, axis=1)
    return np.where(hit.any(axis=1), steps[idx], -1).astype(np.int64)


def _checked(curves, steps, target) -> tuple[np.ndarray, np.ndarray]:
    a = np.atleast_2d(np.asarray(curves, np.float64))
    s = np.asarray(steps, np.int64)
    if s.ndim != 1 or a.shape[1] != s.shape[0]:
        raise ValueError(f"steps must be [T] with T = {a.shape[1]} columns, got {s.shape}")
    check_range("target", target, low=0.0, high=1.0)
    return a, s


def steps_to_streaming_target(window_accuracy, steps, target: float = 0.97) -> np.ndarray:
    """``[N]``: the first recorded step at which the running mean of the mini-batch accuracy
    exceeds ``target``; ``-1`` for a run that never does.

    Args:
      window_accuracy: ``[N, T]`` mean mini-batch training accuracy of each recording window
        (``SweepResult.metrics["train_accuracy"]``), windows of equal length.
      steps: ``[T]`` the step count at the end of each window.
      target: the accuracy to exceed, in ``[0, 1]``.

    >>> steps_to_streaming_target([[0.9, 1.0, 1.0], [0.5, 0.6, 0.7]], [100, 200, 300], 0.9)
    array([200,  -1])
    """
    a, s = _checked(window_accuracy, steps, target)
    with np.errstate(invalid="ignore"):
        return _first(running_mean(a) > target, s)


def steps_to_target(accuracy, steps, target: float = 0.97) -> np.ndarray:
    """``[N]``: the first recorded step at which ``accuracy`` (e.g. of the whole training split)
    is at least ``target``; ``-1`` for a run that never gets there.

    >>> steps_to_target([[0.5, 0.97, 0.2], [0.1, float("nan"), 1.0]], [10, 20, 30])
    array([20, -1])
    """
    a, s = _checked(accuracy, steps, target)
    a = np.where(np.isnan(a).cumsum(axis=1) > 0, np.nan, a)  # nothing counts after a NaN
    with np.errstate(invalid="ignore"):
        return _first(a >= target, s)
