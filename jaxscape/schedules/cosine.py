"""Cosine decay, optionally with warm restarts (SGDR) in closed form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxscape.schedules._args import as_step, check_arg, check_flag

Schedule = Callable[[Any], jax.Array]


def _restart_position(t: jax.Array, period: Any, mult: Any) -> tuple[jax.Array, jax.Array]:
    """``(t_cur, t_i)``: steps since the last restart and the length of the current period.

    Periods have lengths :math:`T_0, T_0 m, T_0 m^2, \\dots`; cycle :math:`n` starts at
    :math:`T_0 (m^n - 1) / (m - 1)` (:math:`n T_0` for :math:`m = 1`). The cycle index is the
    closed-form logarithm, corrected by one where rounding put it on the wrong side of a
    boundary, so the whole computation stays vectorisable.
    """
    geometric = mult != 1
    m = jnp.where(geometric, mult, 2.0)  # any value != 1 keeps the dead branch finite

    def start(n):
        return jnp.where(geometric, period * (m**n - 1) / (m - 1), n * period)

    n_geo = jnp.floor(jnp.log1p(t * (m - 1) / period) / jnp.log(m))
    n = jnp.where(geometric, n_geo, jnp.floor(t / period))
    n = jnp.where(t >= start(n + 1), n + 1, n)
    n = jnp.maximum(jnp.where(t < start(n), n - 1, n), 0)
    t_i = jnp.where(geometric, period * m**n, period)
    return t - start(n), t_i


def cosine_decay(
    learning_rate: Any,
    decay_steps: Any,
    min_learning_rate: Any = 0.0,
    restarts: bool = False,
    period_mult: Any = 1.0,
) -> Schedule:
    r"""Cosine annealing from :math:`\eta` to :math:`\eta_{min}`, with optional warm restarts.

    .. math::

        \eta_t = \eta_{min} + \frac{\eta - \eta_{min}}{2}
            \left(1 + \cos\frac{\pi \, t_{cur}}{T_i}\right)

    Without restarts :math:`t_{cur} = \min(t, T)` and :math:`T_i = T` (torch
    ``CosineAnnealingLR`` up to :math:`T`, then held at :math:`\eta_{min}`). With restarts (SGDR,
    torch ``CosineAnnealingWarmRestarts``) the periods are :math:`T, T m, T m^2, \dots`
    (:math:`m` = ``period_mult``), :math:`t_{cur}` counts the steps since the last restart and
    :math:`T_i` is the current period, computed in closed form (no loop, no state).

    Args:
      learning_rate: :math:`\eta \ge 0`.
      decay_steps: :math:`T > 0`, the decay length or the first restart period.
      min_learning_rate: :math:`\eta_{min} \ge 0`.
      restarts: restart the cosine after every period (static).
      period_mult: :math:`m \ge 1` (real values allowed; torch requires an integer).

    Returns:
      ``schedule(step) -> value``.

    Example:
      >>> import jaxscape.schedules as sch
      >>> s = sch.cosine_decay(1.0, 2, restarts=True, period_mult=2.0)
      >>> [round(s(t).item(), 4) for t in range(7)]
      [1.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 1.0]
    """
    check_arg("learning_rate", learning_rate)
    check_arg("decay_steps", decay_steps, low_open=True)
    check_arg("min_learning_rate", min_learning_rate)
    check_arg("period_mult", period_mult, low=1.0)
    restarts = check_flag("restarts", restarts)

    def schedule(step: Any) -> jax.Array:
        t = as_step(step)
        if restarts:
            t_cur, t_i = _restart_position(t, decay_steps, period_mult)
        else:
            t_cur, t_i = jnp.minimum(t, decay_steps), decay_steps
        cos = 1 + jnp.cos(jnp.pi * t_cur / t_i)
        return min_learning_rate + (learning_rate - min_learning_rate) / 2 * cos

    return schedule
