"""Pure functions from a flax NNX module factory.

The population engine and the landscape evaluator work on plain pytrees. :func:`functional`
splits an NNX module into its graph (static) and its state, the way ``nnx.split`` does, and
returns two pure functions:

- ``init(key) -> (params, state)``: trainable parameters (``nnx.Param``) and every other
  variable (batch statistics, dropout RNG streams) as nested dicts of arrays;
- ``apply(params, state, x, train) -> (outputs, new_state)``: one forward pass, in training mode
  (dropout on, batch statistics updated) or evaluation mode.

Both are safe under ``jit``/``vmap``/``grad``; ``init`` can be vmapped over keys to initialise a
population.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
from flax import nnx

Params = Any
State = Any


def _paths(tree: Any) -> list[str]:
    out = []
    for path, _ in jax.tree_util.tree_flatten_with_path(tree)[0]:
        key = jax.tree_util.keystr(path)
        out.append(key.removesuffix(".value"))
    return out


@dataclass(frozen=True, eq=False)
class Functional:
    """Pure ``init``/``apply`` for an NNX module (see module docstring)."""

    init: Callable[[jax.Array], tuple[Params, State]]
    apply: Callable[[Params, State, jax.Array, bool], tuple[jax.Array, State]]
    param_shapes: Params


def functional(factory: Callable[[nnx.Rngs], nnx.Module]) -> Functional:
    """Build pure ``init``/``apply`` functions for ``factory(rngs) -> nnx.Module``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from flax import nnx
      >>> f = functional(lambda rngs: nnx.Linear(3, 2, rngs=rngs))
      >>> params, state = f.init(jax.random.key(0))
      >>> out, _ = f.apply(params, state, jnp.ones((5, 3)), False)
      >>> out.shape
      (5, 2)
    """
    abstract = nnx.eval_shape(lambda: factory(nnx.Rngs(0)))
    if not isinstance(abstract, nnx.Module):
        raise TypeError(
            f"the model factory must return an nnx.Module, got {type(abstract).__name__}"
        )
    abstract.train()
    g_train, p_abs, s_abs = nnx.split(abstract, nnx.Param, ...)
    abstract.eval()
    g_eval, _, _ = nnx.split(abstract, nnx.Param, ...)
    p_def = jax.tree.structure(p_abs)
    s_def = jax.tree.structure(s_abs)
    p_pure, s_pure = p_abs.to_pure_dict(), s_abs.to_pure_dict()
    if _paths(p_abs) != _paths(p_pure) or _paths(s_abs) != _paths(s_pure):
        raise RuntimeError("flax State and pure-dict leaf orders differ; please report this")

    def to_states(params: Params, state: State):
        return (
            jax.tree.unflatten(p_def, jax.tree.leaves(params)),
            jax.tree.unflatten(s_def, jax.tree.leaves(state)),
        )

    def init(key: jax.Array) -> tuple[Params, State]:
        module = factory(nnx.Rngs(key))
        _, p, s = nnx.split(module, nnx.Param, ...)
        return p.to_pure_dict(), s.to_pure_dict()

    def apply(params: Params, state: State, x: jax.Array, train: bool) -> tuple[jax.Array, State]:
        p, s = to_states(params, state)
        module = nnx.merge(g_train if train else g_eval, p, s)
        out = module(x)
        if not train:
            return out, state
        _, _, s_new = nnx.split(module, nnx.Param, ...)
        return out, s_new.to_pure_dict()

    return Functional(init=init, apply=apply, param_shapes=p_pure)
