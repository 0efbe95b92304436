"""Cyclical learning rates: Smith's triangular cycle and the high-to-low sawtooth."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxscape._checks import check_choice
from jaxscape.schedules._args import as_step, check_arg
from jaxscape.schedules._cycle import SHAPES, sawtooth_factor

Schedule = Callable[[Any], jax.Array]


def triangular(learning_rate: Any, max_learning_rate: Any, step_size: Any) -> Schedule:
    r"""Smith's triangular cyclical learning rate (torch ``CyclicLR(mode="triangular")``).

    The rate climbs linearly from :math:`\eta` (``learning_rate``, the lower bound) to
    :math:`\eta_{max}` over :math:`s` steps (the half-period), falls back over the next
    :math:`s`, and repeats:

    .. math::

        \eta_t = \eta + (\eta_{max} - \eta) \bigl(1 - |(t \bmod 2s) / s - 1|\bigr)

    Args:
      learning_rate: lower bound :math:`\eta \ge 0`.
      max_learning_rate: upper bound :math:`\eta_{max} \ge 0`.
      step_size: half-period :math:`s > 0` steps (may be an array or traced).

    Returns:
      ``schedule(step) -> value``.

    Example:
      >>> import jaxscape.schedules as sch
      >>> [round(sch.triangular(0.1, 0.5, 2)(t).item(), 6) for t in range(5)]
      [0.1, 0.3, 0.5, 0.3, 0.1]
    """
    check_arg("learning_rate", learning_rate)
    check_arg("max_learning_rate", max_learning_rate)
    check_arg("step_size", step_size, low_open=True)

    def schedule(step: Any) -> jax.Array:
        u = jnp.mod(as_step(step), 2 * step_size) / step_size
        return learning_rate + (max_learning_rate - learning_rate) * (1 - jnp.abs(u - 1))

    return schedule


def sawtooth(
    learning_rate: Any,
    cycle_epochs: Any,
    high: Any = 2.0,
    low: Any = 0.5,
    steps_per_epoch: Any = 1,
    shape: str = "linear",
) -> Schedule:
    r"""Start at the upper bound, shrink to the lower bound over :math:`M` epochs, jump back.

    The cyclical policy of Cowley's tuning recipe: with the upper bound :math:`h \eta` (default
    :math:`2\eta`), the lower bound :math:`l \eta` (default :math:`\eta/2`), :math:`S` steps per
    epoch and :math:`u_t = ((t / S) \bmod M) / M \in [0, 1)`:

    .. math::

        \eta_t = \eta \, \bigl(h + (l - h) u_t\bigr) \ \text{(linear, default)}, \qquad
        \eta_t = \eta \, h \, (l / h)^{u_t} \ \text{(exponential)}

    The rate moves every step (fractional epochs), comes within one step of :math:`l\eta` at
    the end of each cycle and is back at :math:`h\eta` at steps :math:`0, MS, 2MS, \dots`.

    Args:
      learning_rate: the chosen rate :math:`\eta \ge 0`.
      cycle_epochs: cycle length :math:`M > 0` in epochs (e.g. the plateau epoch).
      high: upper-bound factor :math:`h \ge 0`.
      low: lower-bound factor :math:`l \ge 0`.
      steps_per_epoch: :math:`S > 0`.
      shape: ``"linear"`` or ``"exponential"`` interpolation (static).

    Returns:
      ``schedule(step) -> value``.

    Example:
      >>> import jaxscape.schedules as sch
      >>> [round(sch.sawtooth(1.0, 2, steps_per_epoch=2)(t).item(), 6) for t in range(6)]
      [2.0, 1.625, 1.25, 0.875, 2.0, 1.625]
    """
    check_arg("learning_rate", learning_rate)
    check_arg("cycle_epochs", cycle_epochs, low_open=True)
    check_arg("high", high)
    check_arg("low", low)
    check_arg("steps_per_epoch", steps_per_epoch, low_open=True)
    check_choice("shape", shape, SHAPES)

    def schedule(step: Any) -> jax.Array:
        epoch = as_step(step) / steps_per_epoch
        return learning_rate * sawtooth_factor(epoch, cycle_epochs, high, low, shape)

    return schedule
