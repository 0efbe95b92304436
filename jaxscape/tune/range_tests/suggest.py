"""The four suggestion rules users know from fastai's ``lr_find``, and the spacing of "steepest".

Each rule reads a (smoothed, truncated) ramp curve — ``values [T]`` (learning rates, or
momenta) against ``losses [T]`` — and returns one value:

* :func:`valley` — fastai's default: the longest decreasing run of the loss, and a point a
  little less than half-way along it (``start + int(L/3) + int(L/6)``).
* :func:`slide` — fastai's interval slide rule on ``np.gradient`` of the loss.
* :func:`minimum` — the value at the smallest loss, divided by 10.
* :func:`steepest` — where the loss falls fastest. *What "fastest" means depends on the
  spacing*, and the tools disagree: ``spacing="log"`` differentiates over ``log(lr)`` with
  forward differences (fastai's ``steep``); ``"index"`` over the step index with
  ``np.gradient`` (torch-lr-finder, and Lightning before PR #21055); ``"linear"`` over ``lr``
  itself with ``np.gradient`` (Lightning since PR #21055). For an exponential ramp ``"log"`` and
  ``"index"`` measure the same slope (they can still differ by one point, forward against
  central differences); ``"linear"`` does not.

:func:`prepare_curve` applies the stopping and trimming every tool applies first.

References:
  L. N. Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017 (reading a
  rate off a range test). J. Howard and S. Gugger, "Fastai: A Layered API for Deep
  Learning", Information 11(2), 2020, and fastai's ``lr_find`` suggestion functions
  (``valley``, ``slide``, ``minimum``, ``steep``). D. Silva, torch-lr-finder; PyTorch
  Lightning ``lr_find`` (PR #21055 for the linear spacing).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jaxscape._checks import check_choice, check_positive_int, check_range
from jaxscape.tune.range_tests._scale import log_coordinate

RULES = ("valley", "slide", "minimum", "steepest")
SPACINGS = ("log", "index", "linear")


def _curve(values, losses) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(values, dtype=np.float64)
    y = np.asarray(losses, dtype=np.float64)
    if x.ndim != 1 or y.shape != x.shape:
        raise ValueError(
            f"values and losses must be 1-D of the same length, got {x.shape} and {y.shape}"
        )
    if x.size < 2:
        raise ValueError(f"a suggestion needs at least 2 points, got {x.size}")
    return x, y


def prepare_curve(
    values: Sequence[float] | np.ndarray,
    losses: Sequence[float] | np.ndarray,
    stop: int | None = None,
    skip_start: int | None = None,
    skip_end: int = 5,
) -> tuple[np.ndarray, np.ndarray]:
    """The part of a ramp curve the rules read (fastai's ``lr_find`` trimming).

    Keeps points up to and including ``stop`` (the divergence stop), drops the first
    ``skip_start`` points (default ``T // 10`` of the full ramp, fastai's ``num_it // 10``) and
    the last ``skip_end``, then cuts at the first non-finite loss. When fewer than 3 points
    would remain, the trimming is skipped (the rules need a few points).

    Args:
      values, losses: ``[T]`` the ramp's values and smoothed losses.
      stop: the last index kept (the divergence stop), ``None`` for all.
      skip_start: points dropped at the start (default ``T // 10``).
      skip_end: points dropped at the end.

    Returns:
      ``(values, losses)`` as float64 arrays.

    Example:
      >>> v, l = prepare_curve(range(20), [5.0] * 20, stop=15, skip_start=2, skip_end=5)
      >>> v.tolist()
      [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    """
    x = np.asarray(values, dtype=np.float64)
    y = np.asarray(losses, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"values and losses must be 1-D of one length, got {x.shape}, {y.shape}")
    n_full = x.size
    if stop is not None:
        x, y = x[: stop + 1], y[: stop + 1]
    start = (
        n_full // 10
        if skip_start is None
        else check_positive_int("skip_start", skip_start, allow_zero=True)
    )
    skip_end = check_positive_int("skip_end", skip_end, allow_zero=True)
    tx, ty = x[start : max(start, x.size - skip_end)], y[start : max(start, y.size - skip_end)]
    if tx.size < 3:
        tx, ty = x, y
    bad = np.flatnonzero(~np.isfinite(ty))
    if bad.size:
        tx, ty = tx[: bad[0]], ty[: bad[0]]
    return tx, ty


def valley(values: Sequence[float] | np.ndarray, losses: Sequence[float] | np.ndarray) -> float:
    """fastai's ``valley``: a point in the longest decreasing stretch of the loss.

    The stretch is the longest strictly decreasing subsequence of the losses, found with
    fastai's O(T^2) bookkeeping (reproduced exactly, including that the stretch's start is
    recorded when it first becomes the longest); with ``L`` its length the suggestion is
    ``values[start + int(L/3) + int(L/6)]``.

    Args:
      values, losses: ``[T]`` the ramp's values and (smoothed, trimmed) losses.

    Returns:
      The suggested value.

    Example:
      >>> lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0]
      >>> valley(lrs, [2.0, 1.9, 1.5, 0.9, 0.4, 0.3, 5.0])
      0.01
    """
    x, y = _curve(values, losses)
    n = y.size
    longest = [1] * n
    start = end = 0
    for i in range(1, n):
        for j in range(i):
            if y[i] < y[j] and longest[i] < longest[j] + 1:
                longest[i] = longest[j] + 1
            if longest[end] < longest[i]:
                end = i
                start = end - longest[end]
    third = (end - start) / 3
    return float(x[start + int(third) + int(third / 2)])


def slide(
    values: Sequence[float] | np.ndarray,
    losses: Sequence[float] | np.ndarray,
    lr_diff: int = 15,
    thresh: float = 0.005,
    adjust_value: float = 1.0,
) -> float:
    """fastai's ``slide``: slide a window leftwards until the loss gradient flattens.

    With ``g = np.gradient(losses)``, a right index starting at the last point and a left index
    ``lr_diff`` points before it, both move left while ``|g[right] - g[left]| > thresh``; the
    suggestion is ``values[left] * adjust_value`` at the last move. ``lr_diff`` is capped at
    ``T - 1`` for short curves (fastai would fail with an index error).

    Args:
      values, losses: ``[T]`` the ramp's values and losses.
      lr_diff, thresh, adjust_value: fastai's window, gradient threshold and final factor.

    Returns:
      The suggested value.

    Example:
      >>> lrs = np.arange(1, 21) / 100          # 0.01 ... 0.20
      >>> slide(lrs, 2.0 - lrs)                  # constant slope: stops at once, 15 back
      0.05
    """
    x, y = _curve(values, losses)
    lr_diff = min(check_positive_int("lr_diff", lr_diff), x.size - 1)
    check_range("thresh", thresh, low=0.0)
    g = np.gradient(y)
    right, left = -1, -1 - lr_diff
    chosen = x[left]
    while left >= -y.size and abs(g[right] - g[left]) > thresh:
        chosen = x[left]
        right -= 1
        left -= 1
    return float(chosen) * float(adjust_value)


def minimum(values: Sequence[float] | np.ndarray, losses: Sequence[float] | np.ndarray) -> float:
    """fastai's ``minimum``: the value at the smallest loss, divided by 10.

    Args:
      values, losses: ``[T]`` the ramp's values and losses.

    Returns:
      ``values[argmin(losses)] / 10``.

    Example:
      >>> minimum([0.01, 0.1, 1.0], [2.0, 1.0, 3.0])
      0.01
    """
    x, y = _curve(values, losses)
    return float(x[int(np.argmin(y))]) / 10.0


def steepest(
    values: Sequence[float] | np.ndarray,
    losses: Sequence[float] | np.ndarray,
    spacing: str = "log",
    *,
    scale: str = "log",
) -> float:
    """Where the loss decreases fastest, with the derivative's spacing stated.

    Args:
      values: ``[T]`` the ramped values (increasing).
      losses: ``[T]`` the losses.
      spacing: ``"log"`` — forward differences ``Δloss / Δlog(value)``, the value at the left
        end of the steepest interval (fastai's ``steep``); ``"index"`` — ``np.gradient(losses)``
        over the step index (torch-lr-finder); ``"linear"`` — ``np.gradient(losses, values)``
        over the value itself (Lightning since PR #21055, which is ``torch.gradient`` with
        ``spacing=[lrs]``).
      scale: the value's scale (:mod:`jaxscape.tune.range_tests._scale`); on the ``"momentum"``
        scale ``spacing="log"`` differentiates over ``log(1 / (1 - m))``, the log of the effective
        step multiplier, instead of ``log(m)``.

    Returns:
      The value at the steepest descent: with ``t`` the spacing's coordinate,
      ``values[argmin(Δloss / Δt)]`` (``"log"``) or ``values[argmin(np.gradient(...))]``.

    Example:
      >>> lrs = np.array([1e-3, 1e-2, 1e-1, 1.0, 2.0])
      >>> loss = np.array([2.0, 1.9, 1.0, 0.8, 0.3])
      >>> [steepest(lrs, loss, s) for s in ("log", "index", "linear")]  # three answers
      [1.0, 0.1, 0.001]
    """
    check_choice("spacing", spacing, SPACINGS)
    x, y = _curve(values, losses)
    if spacing == "log":
        slopes = np.diff(y) / np.diff(log_coordinate(x, scale))
        return float(x[int(np.argmin(slopes))])
    grad = np.gradient(y) if spacing == "index" else np.gradient(y, x)
    return float(x[int(np.argmin(grad))])


def suggest(
    values: Sequence[float] | np.ndarray,
    losses: Sequence[float] | np.ndarray,
    rule: str = "valley",
    spacing: str = "log",
    *,
    scale: str = "log",
) -> float:
    """Apply one of :data:`RULES` (``spacing`` and ``scale`` are used by ``"steepest"`` only).

    Args:
      values, losses: ``[T]`` the ramp's values and losses.
      rule: ``"valley"``, ``"slide"``, ``"minimum"`` or ``"steepest"``.
      spacing, scale: see :func:`steepest`.

    Returns:
      The suggested value.

    Example:
      >>> suggest([0.01, 0.1, 1.0], [2.0, 1.0, 3.0], "minimum")
      0.01
    """
    check_choice("rule", rule, RULES)
    if rule == "valley":
        return valley(values, losses)
    if rule == "slide":
        return slide(values, losses)
    if rule == "minimum":
        return minimum(values, losses)
    return steepest(values, losses, spacing, scale=scale)
