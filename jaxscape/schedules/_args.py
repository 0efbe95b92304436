"""Argument checks and guarded arithmetic shared by the schedules.

Every schedule parameter may be a Python number, a NumPy/JAX array or a traced value, so the
arithmetic here never calls ``int()``/``float()`` on a parameter and never branches on its value.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxscape._checks import check_finite, check_range, is_traced


def check_arg(
    name: str,
    value: Any,
    *,
    low: float | None = 0.0,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Raise naming ``name`` unless every concrete element of ``value`` is finite and in range."""
    if callable(value) and not is_traced(value):
        raise TypeError(f"{name} must be a number or an array, got the callable {value!r}")
    check_range(name, value, low=low, high=high, low_open=low_open, high_open=high_open)
    check_finite(name, value)


def check_flag(name: str, value: Any) -> bool:
    """Structural options (``restarts``) are static Python bools."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise TypeError(f"{name} must be a Python bool, got {type(value).__name__} {value!r}")


def as_step(step: Any) -> jax.Array:
    """The step count as a float of the default float precision (exact up to 2**24 in float32)."""
    return jnp.asarray(step).astype(jnp.result_type(float))


def safe_div(num: Any, den: Any, fallback: Any = 0.0) -> jax.Array:
    """``num / den`` where ``den != 0``, else ``fallback``; never NaN from a zero denominator."""
    den = jnp.asarray(den)
    ok = den != 0
    return jnp.where(ok, num / jnp.where(ok, den, 1), fallback)
