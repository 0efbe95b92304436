"""Linear warm-up in front of another schedule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxscape.schedules._args import as_step, check_arg, safe_div
from jaxscape.schedules.decay import constant

Schedule = Callable[[Any], jax.Array]


def linear_warmup(schedule: Any, warmup_steps: Any, start_factor: Any = 0.0) -> Schedule:
    r"""Ramp linearly up to ``schedule``'s first value over :math:`W` steps, then run it.

    With :math:`s` = ``start_factor`` and :math:`f` the wrapped schedule:

    .. math::

        \eta_t = \begin{cases}
            f(0) \, \bigl(s + (1 - s) \, t / W\bigr) & t < W \\
            f(t - W) & t \ge W
        \end{cases}

    so the wrapped schedule starts, unchanged, when the warm-up ends (as ``SequentialLR`` of
    torch ``LinearLR`` and another scheduler). :math:`W = 0` means no warm-up.

    Args:
      schedule: the schedule to run after the warm-up, or a number (a constant rate).
      warmup_steps: :math:`W \ge 0` (may be an array or traced).
      start_factor: :math:`s \in [0, 1]`, the first rate as a fraction of :math:`f(0)`.

    Returns:
      ``schedule(step) -> value``.

    Example:
      >>> import jaxscape.schedules as sch
      >>> s = sch.linear_warmup(sch.step_decay(1.0, 0.5, 2), warmup_steps=4)
      >>> [round(s(t).item(), 4) for t in range(8)]
      [0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 0.5, 0.5]
    """
    base = schedule if callable(schedule) else constant(schedule)
    check_arg("warmup_steps", warmup_steps)
    check_arg("start_factor", start_factor, high=1.0)

    def warmed(step: Any) -> jax.Array:
        t = as_step(step)
        ramp = base(0) * (start_factor + (1 - start_factor) * safe_div(t, warmup_steps, 1.0))
        after = base(jnp.maximum(jnp.asarray(step) - warmup_steps, 0))
        return jnp.where(t < warmup_steps, ramp, after)

    return warmed
