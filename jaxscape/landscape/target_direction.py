"""The direction from one weight set to another (Goodfellow et al.'s interpolation line)."""

from __future__ import annotations

from typing import Any

import jax

from jaxscape.landscape._tree import as_arrays, check_float_tree, check_same_tree, is_float
from jaxscape.landscape.direction import Direction

Params = Any
State = Any


def target_direction(
    params_a: Params,
    params_b: Params,
    *,
    state_a: State | None = None,
    state_b: State | None = None,
) -> Direction:
    """``params_b - params_a``: moving by ``alpha`` from ``a`` reaches ``b`` at ``alpha = 1``.

    Args:
      params_a: the start (the centre of the landscape).
      params_b: the end; same structure and shapes.
      state_a, state_b: give both to include the state (batch statistics) difference as the
        direction's state part (float leaves ``b - a``; non-float leaves copied from ``a``).

    Returns:
      A :class:`~jaxscape.landscape.Direction` with ``kind="target"``.

    Example:
      >>> import jax.numpy as jnp
      >>> d = target_direction({"w": jnp.array([1.0, 2.0])}, {"w": jnp.array([2.0, 0.0])})
      >>> d.params["w"].tolist(), d.kind
      ([1.0, -2.0], 'target')
    """
    check_float_tree("params_a", params_a)
    check_float_tree("params_b", params_b)
    check_same_tree("params_b", params_b, "params_a", params_a)
    if (state_a is None) != (state_b is None):
        missing = "state_b" if state_b is None else "state_a"
        raise ValueError(f"{missing} is required when the other state is given")
    d_state = None
    if state_a is not None:
        check_same_tree("state_b", state_b, "state_a", state_a)
        d_state = jax.tree.map(
            lambda a, b: (b - a) if is_float(a) else a, as_arrays(state_a), as_arrays(state_b)
        )
    d_params = jax.tree.map(lambda a, b: b - a, as_arrays(params_a), as_arrays(params_b))
    return Direction(d_params, d_state, "target", "none", False)
