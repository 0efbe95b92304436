"""The sawtooth factor shared by :func:`~jaxscape.schedules.sawtooth` and the policy family."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from jaxscape.schedules._args import safe_div

SHAPES = ("linear", "exponential")


def sawtooth_factor(epoch: jax.Array, cycle_epochs: Any, high: Any, low: Any, shape: str):
    r"""Factor falling from ``high`` to ``low`` over each cycle of ``cycle_epochs`` epochs.

    With :math:`u = (e \bmod M) / M \in [0, 1)` the position of (fractional) epoch :math:`e` in
    its cycle: ``"linear"`` gives :math:`h + (l - h) u`, ``"exponential"`` gives
    :math:`h (l / h)^u`. :math:`M = 0` gives ``high`` (callers decide what that means).
    """
    safe_m = jnp.where(cycle_epochs > 0, cycle_epochs, 1.0)
    u = jnp.where(cycle_epochs > 0, jnp.mod(epoch, safe_m) / safe_m, 0.0)
    if shape == "linear":
        return high + (low - high) * u
    return high * safe_div(low, high, 1.0) ** u
