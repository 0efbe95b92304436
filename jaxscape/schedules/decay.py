"""Monotone decays: constant, step, exponential, inverse time and per-epoch power decay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxscape.schedules._args import as_step, check_arg

Schedule = Callable[[Any], jax.Array]


def constant(learning_rate: Any) -> Schedule:
    r""":math:`\eta_t = \eta`.

    Args:
      learning_rate: :math:`\eta \ge 0` (number, array or traced).

    Returns:
      ``schedule(step) -> value``, float, shaped like ``step`` broadcast with the parameters.

    Example:
      >>> import jaxscape.schedules as sch
      >>> sch.constant(0.1)(7).item()
      0.10000000149011612
    """
    check_arg("learning_rate", learning_rate)

    def schedule(step: Any) -> jax.Array:
        return learning_rate * jnp.ones_like(as_step(step))

    return schedule


def step_decay(learning_rate: Any, gamma: Any, step_size: Any) -> Schedule:
    r""":math:`\eta_t = \eta \, \gamma^{\lfloor t / s \rfloor}` (torch ``StepLR``).

    Args:
      learning_rate: :math:`\eta \ge 0`.
      gamma: :math:`\gamma \ge 0`, the factor applied every :math:`s` steps.
      step_size: :math:`s > 0` steps (may be an array or traced).

    Returns:
      ``schedule(step) -> value``.

    Example:
      >>> import jaxscape.schedules as sch
      >>> [round(sch.step_decay(1.0, 0.5, 2)(t).item(), 6) for t in range(5)]
      [1.0, 1.0, 0.5, 0.5, 0.25]
    """
    check_arg("learning_rate", learning_rate)
    check_arg("gamma", gamma)
    check_arg("step_size", step_size, low_open=True)

    def schedule(step: Any) -> jax.Array:
        return learning_rate * gamma ** jnp.floor(as_step(step) / step_size)

    return schedule


def exponential_decay(learning_rate: Any, gamma: Any) -> Schedule:
    r""":math:`\eta_t = \eta \, \gamma^t` (torch ``ExponentialLR``).

    Args:
      learning_rate: :math:`\eta \ge 0`.
      gamma: :math:`\gamma \ge 0`, the factor per step.

    Returns:
      ``schedule(step) -> value``.

    Example:
      >>> import jaxscape.schedules as sch
      >>> round(sch.exponential_decay(2.0, 0.5)(3).item(), 6)
      0.25
    """
    check_arg("learning_rate", learning_rate)
    check_arg("gamma", gamma)

    def schedule(step: Any) -> jax.Array:
        return learning_rate * gamma ** as_step(step)

    return schedule


def inverse_time_decay(learning_rate: Any, gamma: Any, power: Any) -> Schedule:
    r""":math:`\eta_t = \eta \, (1 + \gamma t)^{-p}` (Caffe's ``inv`` policy).

    Args:
      learning_rate: :math:`\eta \ge 0`.
      gamma: :math:`\gamma \ge 0`.
      power: :math:`p \ge 0`.

    Returns:
      ``schedule(step) -> value``.

    Example:
      >>> import jaxscape.schedules as sch
      >>> round(sch.inverse_time_decay(1.0, 0.5, 2.0)(2).item(), 6)
      0.25
    """
    check_arg("learning_rate", learning_rate)
    check_arg("gamma", gamma)
    check_arg("power", power)

    def schedule(step: Any) -> jax.Array:
        return learning_rate * (1 + gamma * as_step(step)) ** (-power)

    return schedule


def power_decay(learning_rate: Any, alpha: Any, steps_per_epoch: Any = 1) -> Schedule:
    r"""Multiply by :math:`\alpha` each epoch: :math:`\eta_t = \eta \, \alpha^{\lfloor t / S
    \rfloor}` with :math:`S` steps per epoch.

    With :math:`\alpha =` :func:`power_decay_alpha` ``(M)`` the learning rate is 2/3 of its
    start after :math:`M` epochs.

    Args:
      learning_rate: :math:`\eta \ge 0`.
      alpha: :math:`\alpha \ge 0`, the factor per epoch.
      steps_per_epoch: :math:`S > 0` (may be an array or traced).

    Returns:
      ``schedule(step) -> value``.

    Example:
      >>> import jaxscape.schedules as sch
      >>> alpha = sch.power_decay_alpha(4)
      >>> round(sch.power_decay(0.3, alpha, steps_per_epoch=10)(40).item(), 6)
      0.2
    """
    check_arg("learning_rate", learning_rate)
    check_arg("alpha", alpha)
    check_arg("steps_per_epoch", steps_per_epoch, low_open=True)

    def schedule(step: Any) -> jax.Array:
        return learning_rate * alpha ** jnp.floor(as_step(step) / steps_per_epoch)

    return schedule


def power_decay_alpha(plateau_epoch: Any) -> Any:
    r"""The per-epoch factor :math:`\alpha = (2/3)^{1/M}` for a plateau at epoch :math:`M`.

    Args:
      plateau_epoch: :math:`M > 0`, the epoch at which performance plateaus (number, array
        or traced).

    Returns:
      :math:`\alpha`, a float or an array like ``plateau_epoch``.

    Example:
      >>> import jaxscape.schedules as sch
      >>> round(float(sch.power_decay_alpha(1)), 6)
      0.666667
    """
    check_arg("plateau_epoch", plateau_epoch, low_open=True)
    return (2.0 / 3.0) ** (1.0 / plateau_epoch)
