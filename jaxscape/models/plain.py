"""A model given as two plain JAX functions (no framework)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from jaxscape._checks import check_callable
from jaxscape.models.pure import PureModel, check_init


def plain_model(
    init: Callable[[jax.Array], tuple[Any, Any]],
    apply: Callable[..., tuple[jax.Array, Any]],
    *,
    name: str = "plain functions",
) -> PureModel:
    """A :class:`~jaxscape.models.pure.PureModel` from ``init`` and ``apply`` as they are.

    Args:
      init: ``key -> (params, state)``: ``params`` a pytree of float arrays (trained),
        ``state`` a pytree of the other variables (batch statistics), ``{}`` when none.
      apply: ``(params, state, x, key, train) -> (outputs, new_state)`` on a batch ``x``
        ``[B, *input_shape]``; ``train=True``: training mode, ``key`` a fresh key per step and
        trial (dropout), ``new_state`` the updated statistics; ``train=False``: evaluation
        mode, ``key`` is ``None`` and ``new_state`` is ignored. ``train`` is a Python bool, so
        ``apply`` may branch on it.
      name: a short description used in reports.

    Any non-empty ``state`` counts as batch statistics (a population then cannot mask batches
    to per-trial sizes).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> init = lambda key: ({"w": jax.random.normal(key, (3, 2))}, {})
      >>> apply = lambda params, state, x, key, train: (x @ params["w"], state)
      >>> m = plain_model(init, apply)
      >>> params, state = m.init(jax.random.key(0))
      >>> m.apply(params, state, jnp.ones((5, 3)), None, False)[0].shape
      (5, 2)
    """
    check_callable("init", init)
    check_callable("apply", apply)
    _, state = check_init(init)
    return PureModel(init=init, apply=apply, name=name, has_stats=bool(jax.tree.leaves(state)))
