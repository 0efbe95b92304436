"""A flax linen module as pure functions: ``params`` trained, other collections as state."""

from __future__ import annotations

import inspect
from typing import Any

import jax
import jax.numpy as jnp

from jaxscape.models.pure import PureModel

#: Keyword arguments that switch a linen module between training and evaluation mode, and
#: whether each is ``True`` in training mode.
MODE_ARGS = {"train": True, "training": True, "is_training": True, "deterministic": False}


def mode_arg(module: Any) -> str | None:
    """The training-mode keyword of ``module.__call__`` (one of :data:`MODE_ARGS`), or ``None``.

    Example:
      >>> import flax.linen as nn
      >>> class Net(nn.Module):
      ...     @nn.compact
      ...     def __call__(self, x, train: bool = False):
      ...         return nn.Dense(2)(x)
      >>> mode_arg(Net())
      'train'
    """
    params = inspect.signature(type(module).__call__).parameters
    return next((name for name in MODE_ARGS if name in params), None)


def _mode(module: Any, mode: str | None) -> str | None:
    arg = mode_arg(module) if mode == "auto" else mode
    if arg is not None and arg not in MODE_ARGS:
        raise ValueError(f"mode must be 'auto', None or one of {sorted(MODE_ARGS)}, got {arg!r}")
    return arg


def linen_model(
    module: Any,
    input_shape: tuple[int, ...],
    *,
    input_dtype: Any = jnp.float32,
    mode: str | None = "auto",
    rng_names: tuple[str, ...] = ("dropout",),
) -> PureModel:
    """A :class:`~jaxscape.models.pure.PureModel` from a flax linen module.

    ``init(key)`` is ``module.init({"params": key}, x)`` on a zero batch ``[1, *input_shape]``
    in evaluation mode; ``params`` is the ``"params"`` collection and ``state`` every other
    collection (``{"batch_stats": ...}``, or ``{}``). ``apply`` in training mode is
    ``module.apply(variables, x, rngs={"dropout": key}, mutable=[*state], train=True)`` and
    in evaluation mode ``module.apply(variables, x, train=False)``, no key, no update.

    Args:
      module: a ``flax.linen.Module`` mapping ``[B, *input_shape]`` to ``[B, k]``.
      input_shape: one example's shape (the data's ``input_shape``).
      input_dtype: the dtype of the zero batch ``init`` traces the module on.
      mode: the keyword that switches training and evaluation mode: ``"train"``,
        ``"training"`` or ``"is_training"`` (``True`` when training) or ``"deterministic"``
        (``False`` when training); ``"auto"`` (default) takes the one ``__call__`` accepts,
        and ``None`` passes none (a module without dropout or batch statistics).
      rng_names: the RNG collections drawn in training mode; one key per step is split
        among them in this order (a single name gets the step's key itself).

    Example:
      >>> import jax, jax.numpy as jnp, flax.linen as nn
      >>> class Net(nn.Module):
      ...     @nn.compact
      ...     def __call__(self, x, train: bool = False):
      ...         x = nn.Dense(8)(x)
      ...         x = nn.BatchNorm(use_running_average=not train)(x)
      ...         x = nn.Dropout(0.5, deterministic=not train)(x)
      ...         return nn.Dense(2)(x)
      >>> m = linen_model(Net(), (3,))
      >>> params, state = m.init(jax.random.key(0))
      >>> sorted(state), m.has_stats
      (['batch_stats'], True)
      >>> out, new = m.apply(params, state, jnp.ones((4, 3)), jax.random.key(1), True)
      >>> out.shape
      (4, 2)
    """
    import flax.linen as nn

    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a flax.linen.Module, got {type(module).__name__}")
    arg = _mode(module, mode)
    if not rng_names:
        raise ValueError("rng_names must name at least one RNG collection (e.g. 'dropout')")

    def kwargs(train: bool) -> dict[str, bool]:
        return {} if arg is None else {arg: train == MODE_ARGS[arg]}

    def init(key: jax.Array) -> tuple[Any, dict[str, Any]]:
        x = jnp.zeros((1, *input_shape), input_dtype)
        variables = dict(module.init({"params": key}, x, **kwargs(False)))
        params = variables.pop("params", {})
        return params, variables

    def apply(params: Any, state: dict[str, Any], x: jax.Array, key: Any, train: bool):
        variables = {"params": params, **state}
        if not train:
            return module.apply(variables, x, **kwargs(False)), state
        keys = jax.random.split(key, len(rng_names)) if len(rng_names) > 1 else [key]
        rngs = dict(zip(rng_names, keys, strict=True))
        if not state:
            return module.apply(variables, x, rngs=rngs, **kwargs(True)), state
        out, updated = module.apply(variables, x, rngs=rngs, mutable=list(state), **kwargs(True))
        return out, {**state, **updated}

    try:
        _, state = jax.eval_shape(init, jax.random.key(0))
    except Exception as err:
        name = type(module).__name__
        raise ValueError(f"{name}.init on a zero batch [1, *{input_shape}] failed: {err}") from err
    return PureModel(init, apply, type(module).__name__, has_stats=bool(jax.tree.leaves(state)))
