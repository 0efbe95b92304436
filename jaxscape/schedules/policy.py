"""One parametrised family covering constant, power-decayed and cyclical policies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxscape._checks import check_choice
from jaxscape.schedules._args import as_step, check_arg
from jaxscape.schedules._cycle import SHAPES, sawtooth_factor

Schedule = Callable[[Any], jax.Array]


def policy(
    learning_rate: Any,
    decay: Any = 1.0,
    cycle_epochs: Any = 0.0,
    cycle_high: Any = 1.0,
    cycle_low: Any = 1.0,
    steps_per_epoch: Any = 1,
    cycle_shape: str = "linear",
) -> Schedule:
    r"""Power decay times a sawtooth cycle; the defaults are a constant rate.

    With :math:`S` steps per epoch, :math:`e_t = t / S` and :math:`c_t` the sawtooth factor of
    :func:`~jaxscape.schedules.sawtooth` (from ``cycle_high`` down to ``cycle_low`` over
    :math:`M` = ``cycle_epochs`` epochs, then back), or 1 when :math:`M = 0`:

    .. math::

        \eta_t = \eta \, \alpha^{\lfloor e_t \rfloor} \, c_t

    * constant: the defaults (:math:`\alpha = 1`, :math:`M = 0`) give exactly :math:`\eta`;
    * power decay: ``decay=power_decay_alpha(M)``;
    * cyclical: ``cycle_epochs=M, cycle_high=2.0, cycle_low=0.5``;
    * both at once: set all of them.

    Every argument but ``cycle_shape`` may be an array or traced, so all three policies can be
    compared as rows of one vmapped population. :math:`M = 0` switches the cycle off exactly
    (guarded, no NaN).

    Args:
      learning_rate: :math:`\eta \ge 0`.
      decay: :math:`\alpha \ge 0`, the factor per epoch.
      cycle_epochs: :math:`M \ge 0`, the cycle length in epochs (0: no cycle).
      cycle_high: upper factor of the cycle, :math:`\ge 0`.
      cycle_low: lower factor of the cycle, :math:`\ge 0`.
      steps_per_epoch: :math:`S > 0`.
      cycle_shape: ``"linear"`` or ``"exponential"`` (static).

    Returns:
      ``schedule(step) -> value``.

    Example:
      >>> import jaxscape.schedules as sch
      >>> s = sch.policy(1.0, decay=0.5, cycle_epochs=2, cycle_high=2.0, cycle_low=0.5)
      >>> [round(s(t).item(), 5) for t in range(4)]
      [2.0, 0.625, 0.5, 0.15625]
    """
    check_arg("learning_rate", learning_rate)
    check_arg("decay", decay)
    check_arg("cycle_epochs", cycle_epochs)
    check_arg("cycle_high", cycle_high)
    check_arg("cycle_low", cycle_low)
    check_arg("steps_per_epoch", steps_per_epoch, low_open=True)
    check_choice("cycle_shape", cycle_shape, SHAPES)

    def schedule(step: Any) -> jax.Array:
        epoch = as_step(step) / steps_per_epoch
        cycle = sawtooth_factor(epoch, cycle_epochs, cycle_high, cycle_low, cycle_shape)
        cycle = jnp.where(cycle_epochs > 0, cycle, 1.0)
        return learning_rate * decay ** jnp.floor(epoch) * cycle

    return schedule
