"""Smith's one-cycle policy (torch ``OneCycleLR``, two phases)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxscape._checks import check_choice
from jaxscape.schedules._args import as_step, check_arg, safe_div

Schedule = Callable[[Any], jax.Array]

ANNEALS = ("cos", "linear")


def _anneal(start: Any, end: Any, pct: jax.Array, anneal: str) -> jax.Array:
    if anneal == "cos":
        return end + (start - end) / 2.0 * (jnp.cos(jnp.pi * pct) + 1)
    return (end - start) * pct + start


def one_cycle(
    learning_rate: Any,
    total_steps: Any,
    pct_start: Any = 0.3,
    div_factor: Any = 25.0,
    final_div_factor: Any = 1e4,
    anneal: str = "cos",
) -> Schedule:
    r"""Warm up from :math:`\eta/D` to :math:`\eta`, then anneal to :math:`\eta/(D F)`.

    With :math:`T` total steps, :math:`e_1 = p T - 1` (``p = pct_start``) and :math:`e_2 = T - 1`,
    as torch ``OneCycleLR`` (two phases, no momentum cycling):

    .. math::

        \eta_t = \begin{cases}
            A(\eta / D, \ \eta, \ t / e_1) & t \le e_1 \\
            A(\eta, \ \eta / (D F), \ (t - e_1) / (e_2 - e_1)) & t > e_1
        \end{cases}

    where :math:`A(a, b, x) = b + \frac{a - b}{2} (1 + \cos \pi x)` (``"cos"``) or
    :math:`a + (b - a) x` (``"linear"``). Past :math:`e_2` the rate stays at
    :math:`\eta/(D F)` (torch raises there); a zero-length phase is skipped, never a NaN.

    Args:
      learning_rate: the peak rate :math:`\eta \ge 0` (torch's ``max_lr``).
      total_steps: :math:`T > 0` (may be an array or traced).
      pct_start: :math:`p \in [0, 1]`, the fraction of steps spent warming up.
      div_factor: :math:`D > 0`; the rate starts at :math:`\eta / D`.
      final_div_factor: :math:`F > 0`; the rate ends at :math:`\eta / (D F)`.
      anneal: ``"cos"`` or ``"linear"`` (static).

    Returns:
      ``schedule(step) -> value``.

    Example:
      >>> import jaxscape.schedules as sch
      >>> s = sch.one_cycle(1.0, 11, pct_start=0.5, div_factor=10.0, final_div_factor=10.0,
      ...                   anneal="linear")
      >>> [round(s(t).item(), 4) for t in (0, 4.5, 10)]
      [0.1, 1.0, 0.01]
    """
    check_arg("learning_rate", learning_rate)
    check_arg("total_steps", total_steps, low_open=True)
    check_arg("pct_start", pct_start, high=1.0)
    check_arg("div_factor", div_factor, low_open=True)
    check_arg("final_div_factor", final_div_factor, low_open=True)
    check_choice("anneal", anneal, ANNEALS)

    def schedule(step: Any) -> jax.Array:
        t = as_step(step)
        initial = learning_rate / div_factor
        final = initial / final_div_factor
        end_up = pct_start * total_steps - 1
        end_down = total_steps - 1.0
        up = _anneal(initial, learning_rate, jnp.clip(safe_div(t, end_up, 1.0), 0, 1), anneal)
        pct_down = jnp.clip(safe_div(t - end_up, end_down - end_up, 1.0), 0, 1)
        down = _anneal(learning_rate, final, pct_down, anneal)
        return jnp.where(t <= end_up, up, down)

    return schedule
