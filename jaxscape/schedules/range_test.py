"""Learning-rate range-test ramps: exponential and linear from a start to an end value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxscape.schedules._args import as_step, check_arg, safe_div

Schedule = Callable[[Any], jax.Array]


def _fraction(step: Any, num_steps: Any) -> jax.Array:
    """``t / (n - 1)`` clipped to ``[0, 1]``; 0 when ``n = 1``."""
    return jnp.clip(safe_div(as_step(step), num_steps - 1, 0.0), 0.0, 1.0)


def exponential_ramp(learning_rate: Any, final_learning_rate: Any, num_steps: Any) -> Schedule:
    r"""Geometric ramp :math:`\eta_t = a (b / a)^{t / (n - 1)}` from :math:`a` to :math:`b`.

    The rate is :math:`a` at step 0 and :math:`b` at step :math:`n - 1`, and stays at :math:`b`
    afterwards. Each step multiplies the rate by the same factor, so a range test spends as
    many steps per decade at small rates as at large ones.

    Args:
      learning_rate: the start :math:`a > 0`.
      final_learning_rate: the end :math:`b > 0`.
      num_steps: :math:`n \ge 1` steps in the ramp (may be an array or traced).

    Returns:
      ``schedule(step) -> value``.

    Example:
      >>> import jaxscape.schedules as sch
      >>> [round(sch.exponential_ramp(1e-3, 1.0, 4)(t).item(), 6) for t in range(4)]
      [0.001, 0.01, 0.1, 1.0]
    """
    check_arg("learning_rate", learning_rate, low_open=True)
    check_arg("final_learning_rate", final_learning_rate, low_open=True)
    check_arg("num_steps", num_steps, low=1.0)

    def schedule(step: Any) -> jax.Array:
        log_ratio = jnp.log(final_learning_rate / learning_rate)
        return learning_rate * jnp.exp(_fraction(step, num_steps) * log_ratio)

    return schedule


def linear_ramp(learning_rate: Any, final_learning_rate: Any, num_steps: Any) -> Schedule:
    r"""Linear ramp :math:`\eta_t = a + (b - a) \, t / (n - 1)` from :math:`a` to :math:`b`.

    The rate is :math:`a` at step 0 and :math:`b` at step :math:`n - 1`, and stays at :math:`b`
    afterwards (torch ``LinearLR`` with ``total_iters = n - 1``).

    Args:
      learning_rate: the start :math:`a \ge 0`.
      final_learning_rate: the end :math:`b \ge 0`.
      num_steps: :math:`n \ge 1` steps in the ramp (may be an array or traced).

    Returns:
      ``schedule(step) -> value``.

    Example:
      >>> import jaxscape.schedules as sch
      >>> [round(sch.linear_ramp(0.0, 1.5, 4)(t).item(), 6) for t in range(5)]
      [0.0, 0.5, 1.0, 1.5, 1.5]
    """
    check_arg("learning_rate", learning_rate)
    check_arg("final_learning_rate", final_learning_rate)
    check_arg("num_steps", num_steps, low=1.0)

    def schedule(step: Any) -> jax.Array:
        frac = _fraction(step, num_steps)
        return learning_rate + (final_learning_rate - learning_rate) * frac

    return schedule
