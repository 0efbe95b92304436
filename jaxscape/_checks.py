"""Host-side argument checks shared by every layer.

Every public function validates its arguments here *before* anything is traced or compiled, so a
bad value is a ``ValueError``/``TypeError`` that names the argument, never a NaN an hour later.
Checks only look at concrete values: a ``jax.core.Tracer`` (a hyperparameter traced inside
``jit``/``vmap``) passes through unchecked, because its value is not known on the host.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import jax
import numpy as np


def is_traced(value: Any) -> bool:
    """True when ``value`` is an abstract tracer (inside ``jit``/``vmap``/``grad``)."""
    return isinstance(value, jax.core.Tracer)


def concrete_array(name: str, value: Any) -> np.ndarray | None:
    """``value`` as a float64 NumPy array, or ``None`` when it is traced or a callable.

    Raises ``TypeError`` naming ``name`` when the value is neither numeric nor callable.
    """
    if is_traced(value) or callable(value):
        return None
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got the bool {value!r}")
    if isinstance(value, numbers.Real):
        return np.asarray(float(value))
    try:
        arr = np.asarray(value)
    except Exception as err:  # pragma: no cover - exotic objects
        raise TypeError(f"{name} must be a number or an array, got {type(value).__name__}") from err
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise TypeError(f"{name} must be a real number or array, got dtype {arr.dtype}")
    return arr.astype(np.float64)


def _describe(arr: np.ndarray, bad: np.ndarray) -> str:
    if arr.ndim == 0:
        return repr(float(arr))
    idx = np.argwhere(bad)[0]
    where = ",".join(str(int(i)) for i in idx)
    return f"{float(arr[tuple(idx)])!r} (at index {where})"


def check_range(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Raise ``ValueError`` unless every concrete element of ``value`` lies in the interval.

    ``low_open``/``high_open`` exclude the bound itself. NaN always fails. Traced values and
    callables (schedules) are skipped.

    >>> check_range("momentum", 0.9, low=0.0, high=1.0, high_open=True)
    >>> check_range("momentum", 1.0, low=0.0, high=1.0, high_open=True)
    Traceback (most recent call last):
    ...
    ValueError: momentum must be in [0.0, 1.0), got 1.0
    """
    arr = concrete_array(name, value)
    if arr is None:
        return
    bad = np.isnan(arr)
    if low is not None:
        bad |= (arr <= low) if low_open else (arr < low)
    if high is not None:
        bad |= (arr >= high) if high_open else (arr > high)
    if np.any(bad):
        lo = "(-inf" if low is None else ("(" if low_open else "[") + repr(float(low))
        hi = "inf)" if high is None else repr(float(high)) + (")" if high_open else "]")
        raise ValueError(f"{name} must be in {lo}, {hi}, got {_describe(arr, bad)}")


def check_finite(name: str, value: Any) -> None:
    """Raise ``ValueError`` when a concrete ``value`` holds NaN or infinity."""
    arr = concrete_array(name, value)
    if arr is not None and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {_describe(arr, ~np.isfinite(arr))}")


def check_positive_int(name: str, value: Any, *, allow_zero: bool = False) -> int:
    """Return ``value`` as an ``int`` or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else ">= 1"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return int(value)


#: Seeds become ``jax.random.key(seed)`` with 32-bit seeds: a larger seed would wrap around to
#: the initial weights of ``seed % 2**32`` while its batch order still differs.
SEED_BOUND = 2**32


def check_seed_values(name: str, seeds: Any) -> np.ndarray:
    """Return integer ``seeds`` (a scalar or an array) as int64, each in ``[0, 2**32)``.

    Raises ``TypeError`` for non-integers and ``ValueError`` naming ``name`` for a seed outside
    the PRNG's range.

    >>> check_seed_values("seed", 7).tolist()
    7
    >>> check_seed_values("seed", 2**32)
    Traceback (most recent call last):
    ...
    ValueError: seed must be in [0, 2**32) (the PRNG's seed range), got 4294967296
    """
    if isinstance(seeds, bool | float | np.floating):
        raise TypeError(f"{name} must be integers, got {seeds!r}")
    arr = np.asarray(seeds)
    if arr.dtype != object and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be integers, got dtype {arr.dtype}")
    flat = [int(s) for s in arr.ravel()]
    bad = [i for i, s in enumerate(flat) if not 0 <= s < SEED_BOUND]
    if bad:
        where = f" (at index {bad[0]})" if arr.ndim else ""
        raise ValueError(
            f"{name} must be in [0, 2**32) (the PRNG's seed range), got {flat[bad[0]]}{where}"
        )
    return arr.astype(np.int64)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``; otherwise raise naming ``name``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_callable(name: str, value: Any) -> Callable:
    """Return ``value`` if callable; otherwise raise ``TypeError`` naming ``name``."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__}")
    return value


def check_batch_size(batch_size: Any, n_train: int | None) -> int | None:
    """``batch_size`` as an int of at most ``n_train`` training rows, or ``None`` (full batch).

    >>> check_batch_size(64, 1000), check_batch_size(None, 1000)
    (64, None)
    """
    if batch_size is None:
        return None
    batch_size = check_positive_int("batch_size", batch_size)
    if n_train is not None and batch_size > n_train:
        raise ValueError(
            f"batch_size ({batch_size}) exceeds the {n_train} training examples; use "
            "batch_size=None for full-batch gradient descent"
        )
    return batch_size
