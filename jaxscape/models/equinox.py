"""An equinox model as pure functions: its float arrays trained, its ``eqx.nn.State`` as state.

Parameters and state travel through the population as flat dicts ``{"layers.0.weight": ...}``
(the model's leaf paths), so they stack, save and checkpoint like every other model's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxscape.models.pure import PureModel


def _is_param(leaf: Any) -> bool:
    """A float array (concrete, traced or abstract): what ``eqx.is_inexact_array`` trains."""
    dtype = getattr(leaf, "dtype", None)
    is_array = isinstance(leaf, jax.Array | jax.ShapeDtypeStruct)
    return is_array and dtype is not None and jnp.issubdtype(dtype, jnp.inexact)


def _names(tree: Any) -> list[str]:
    paths = jax.tree_util.tree_flatten_with_path(tree)[0]
    return [jax.tree_util.keystr(p, simple=True, separator=".") for p, _ in paths]


def _as_dict(tree: Any, names: list[str]) -> dict[str, Any]:
    return dict(zip(names, jax.tree.leaves(tree), strict=True))


def _made(out: Any) -> tuple[Any, Any]:
    """``(model, state or None)`` from what ``make_model`` returned."""
    import equinox as eqx

    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], eqx.nn.State):
        return out
    if not isinstance(out, eqx.Module):
        raise TypeError(
            "make_model(key) must return an equinox Module, or (model, state) from "
            f"eqx.nn.make_with_state, got {type(out).__name__}"
        )
    return out, None


def equinox_model(
    make_model: Callable[[jax.Array], Any], *, batch_axis: str | None = "batch"
) -> PureModel:
    """A :class:`~jaxscape.models.pure.PureModel` from ``make_model(key)``.

    ``make_model(key)`` returns an ``eqx.Module`` or, for a model with state (``BatchNorm``),
    the pair ``eqx.nn.make_with_state(Model)(..., key=key)``. ``params`` are its float arrays
    (``eqx.partition(model, eqx.is_inexact_array)``), ``state`` its ``eqx.nn.State``.

    The model maps one example, in equinox's idiom: ``model(x, state, key=k) -> (y, state)``
    (stateful) or ``model(x, key=k) -> y``, vmapped over the batch with ``axis_name=batch_axis``
    (give ``eqx.nn.BatchNorm`` that ``axis_name``); in training mode the step's key is split
    into one key per example, ``jax.random.split(key, B)``. Evaluation mode is
    ``eqx.nn.inference_mode(model)`` with ``key=None``; training mode sets
    ``inference_mode(model, False)``. With ``batch_axis=None`` the model takes the whole batch
    and the step's key as they are.

    Example:
      >>> import jax, jax.numpy as jnp, equinox as eqx
      >>> m = equinox_model(lambda key: eqx.nn.MLP(3, 2, 8, 1, key=key))
      >>> params, state = m.init(jax.random.key(0))
      >>> sorted(params)[:2], state
      (['layers.0.bias', 'layers.0.weight'], {})
      >>> m.apply(params, state, jnp.ones((5, 3)), None, False)[0].shape
      (5, 2)
    """
    try:
        import equinox as eqx
    except ImportError as err:
        raise ImportError("equinox models need equinox: pip install 'jaxscape[equinox]'") from err

    model_abs, state_abs = _made(eqx.filter_eval_shape(make_model, jax.random.key(0)))
    params_abs, static = eqx.partition(model_abs, _is_param)
    if any(isinstance(leaf, jax.ShapeDtypeStruct) for leaf in jax.tree.leaves(static)):
        raise TypeError("the equinox model holds non-float arrays; only float arrays can train")
    p_def, p_names = jax.tree.structure(params_abs), _names(params_abs)
    s_def = None if state_abs is None else jax.tree.structure(state_abs)
    s_names = [] if state_abs is None else _names(state_abs)

    def init(key: jax.Array) -> tuple[dict, dict]:
        model, state = _made(make_model(key))
        params = eqx.partition(model, _is_param)[0]
        return _as_dict(params, p_names), {} if state is None else _as_dict(state, s_names)

    def apply(params: dict, state: dict, x: jax.Array, key: Any, train: bool):
        model = eqx.combine(jax.tree.unflatten(p_def, [params[k] for k in p_names]), static)
        model = eqx.nn.inference_mode(model, not train)
        st = None if s_def is None else jax.tree.unflatten(s_def, [state[k] for k in s_names])
        out, new = _call(model, st, x, key, batch_axis)
        return out, (_as_dict(new, s_names) if train and st is not None else state)

    return PureModel(init, apply, type(model_abs).__name__, has_stats=state_abs is not None)


def _call(model: Any, state: Any, x: jax.Array, key: Any, batch_axis: str | None):
    """``(outputs, new_state)`` of ``model`` on the batch ``x`` (see :func:`equinox_model`)."""

    def one(xi, ki):
        return model(xi, key=ki) if state is None else model(xi, state, key=ki)

    if batch_axis is None:
        out = one(x, key)
        return (out, None) if state is None else out
    keys = None if key is None else jax.random.split(key, x.shape[0])
    stateful = state is not None
    mapped = jax.vmap(
        one,
        axis_name=batch_axis,
        in_axes=(0, None if keys is None else 0),
        out_axes=(0, None) if stateful else 0,
    )
    out = mapped(x, keys)
    return out if stateful else (out, None)
