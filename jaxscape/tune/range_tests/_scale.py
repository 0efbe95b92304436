"""The natural scale of a hyperparameter: where a range test spaces its grid, steps its
exponential ramp, centres its band and takes the "log" slope of ``steepest``.

====================  =========================  ===========================================
scale                 coordinate ``t(v)``        for
====================  =========================  ===========================================
``"log"``             ``log(v)``, ``v > 0``      learning rates, weight decay, epsilon
``"momentum"``        ``log(1 / (1 - v))``       momenta, ``0 <= v < 1`` (the effective step
                                                 multiplier ``1 / (1 - v)``: 0.9 and 0.99 are
                                                 as far apart as 0 and 0.9)
``"linear"``          ``v``                      anything else
====================  =========================  ===========================================

A grid of ``num`` values is evenly spaced in ``t``; an exponential ramp is linear in ``t``.

Example:
  >>> grid(0.0, 0.99, 3, "momentum").round(3).tolist()
  [0.0, 0.9, 0.99]
  >>> grid(1e-3, 1e-1, 3, "log").tolist()
  [0.001, 0.01, 0.1]
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxscape._checks import check_range

SCALES = ("log", "momentum", "linear")

#: ``(low, high, low_open)`` of the values each scale admits (``high`` is always open).
DOMAINS: dict[str, tuple[float | None, float | None, bool]] = {
    "log": (0.0, None, True),
    "momentum": (0.0, 1.0, False),
    "linear": (None, None, False),
}


def to_scale(values: Any, scale: str) -> np.ndarray:
    """``t(values)`` (module table); float64."""
    v = np.asarray(values, dtype=np.float64)
    if scale == "log":
        return np.log(v)
    if scale == "momentum":
        return -np.log1p(-v)
    return v


def log_coordinate(values: Any, scale: str) -> np.ndarray:
    """What ``steepest(spacing="log")`` differentiates over: ``log(1 / (1 - v))`` on the
    momentum scale, ``log(v)`` (positive values only) on the others."""
    v = np.asarray(values, dtype=np.float64)
    if scale == "momentum":
        return to_scale(v, scale)
    if np.any(v <= 0):
        raise ValueError("spacing='log' needs positive values; use 'index' or 'linear'")
    return np.log(v)


def grid(low: float, high: float, num: int, scale: str) -> np.ndarray:
    """``[num]`` values from ``low`` to ``high`` evenly spaced in ``t`` (the one rate grid)."""
    if scale == "log":
        return np.geomspace(low, high, num)
    if scale == "momentum":
        return 1.0 - np.geomspace(1.0 - low, 1.0 - high, num)
    return np.linspace(low, high, num)


def interpolate(start: float, end: float, frac: Any, scale: str) -> Any:
    """The exponential ramp at ``frac`` in ``[0, 1]``: linear in ``t`` from ``start`` to
    ``end`` (``start (end / start)^frac`` on the log scale); traceable."""
    if scale == "log":
        return start * (end / start) ** frac
    if scale == "momentum":
        return 1.0 - (1.0 - start) * ((1.0 - end) / (1.0 - start)) ** frac
    return start + (end - start) * jnp.asarray(frac)


def check_in_domain(name: str, value: Any, scale: str, *, closed: bool = False) -> None:
    """``ValueError`` naming ``name`` unless ``value`` lies in the scale's domain (its lower
    bound included when ``closed``, e.g. a linear ramp from a rate of 0)."""
    low, high, low_open = DOMAINS[scale]
    check_range(name, value, low=low, high=high, low_open=low_open and not closed, high_open=True)


def check_grid(name: str, values: Any, scale: str) -> np.ndarray:
    """A strictly increasing 1-D grid of at least 2 values in the scale's domain."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"{name} must be a 1-D sequence of at least 2 values, got {arr.shape}")
    check_in_domain(name, arr, scale)
    if np.any(np.diff(arr) <= 0):
        raise ValueError(f"{name} must be strictly increasing")
    return arr


def check_bounds(
    name: str, bounds: Any, scale: str, *, closed: bool = False
) -> tuple[float, float]:
    """``(low, high)`` with ``low < high``, both in the scale's domain."""
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high), got {bounds!r}") from None
    check_in_domain(name, high, scale)
    check_in_domain(name, low, scale, closed=closed)
    if not low < high:
        raise ValueError(f"{name} must be (low, high) with low < high, got {bounds!r}")
    return low, high
