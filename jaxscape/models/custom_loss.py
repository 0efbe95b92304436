"""A user's loss that takes a key, the model state and the trial's hyperparameters.

``loss(params, state, batch, key, hp) -> (loss, new_state, metrics)`` becomes the engine's
``objective(params, state, batch, hp) -> (loss, (new_state, metrics))`` and
``evaluate(params, state, batch) -> {"loss": ..., **metrics}``. The key is the trial's
key stream (see :mod:`jaxscape.models.pure`): the state the engine carries is
``{"model": state, "rng": key}``, and each training step splits the stored key, passes one
half to ``loss`` and stores the other. In evaluation mode ``loss`` receives ``key=None``, the
``defaults`` as ``hp``, and its returned state is ignored.

*Structural* hyperparameters (a width that masks hidden units) must hold the trial's value in
evaluation mode too, which receives no ``hp``: each training step copies them into the state
(``{"model", "rng", "hp"}``) and evaluation reads them from there (their ``defaults`` before
the first step).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from jaxscape.models.pure import MODEL, RNG, check_init, split_key, stream_init

#: The key of a state's copy of the trial's structural hyperparameters.
HP = "hp"

#: Table columns that are never a loss's hyperparameter (the table consumes them itself).
RESERVED = ("seed", "batch_size")


class LossContractError(TypeError):
    """``loss`` returned something other than ``(loss, new_state, metrics)``."""


@dataclass(frozen=True, eq=False)
class CustomLoss:
    """The engine's functions of a user's loss (see the module docstring).

    Attributes:
      objective: ``(params, state, batch, hp=None) -> (loss, (new_state, metrics))``;
        ``hp=None`` uses ``defaults``.
      evaluate: ``(params, state, batch) -> {"loss": ..., **metrics}`` in evaluation mode.
      names: the hyperparameters ``loss`` reads from ``hp``.
      defaults: ``{name: float32 scalar}``, ``hp`` in evaluation mode.
      structural: the names evaluation takes from the state (the trial's values) instead.
    """

    objective: Callable[..., tuple[jax.Array, tuple[Any, dict]]]
    evaluate: Callable[..., dict[str, jax.Array]]
    names: tuple[str, ...]
    defaults: dict[str, jax.Array]
    structural: tuple[str, ...] = ()

    def init(self, init: Callable[[jax.Array], tuple[Any, Any]]) -> Callable[..., Any]:
        """The engine's ``init`` from the user's: the key stream, and the structural
        hyperparameters' defaults when there are any."""
        stream = stream_init(init)
        if not self.structural:
            return stream

        def with_hp(key: jax.Array) -> tuple[Any, dict]:
            params, state = stream(key)
            return params, {**state, HP: {k: self.defaults[k] for k in self.structural}}

        return with_hp


def check_names(hyperparams: Any) -> tuple[str, ...]:
    """The hyperparameter names as a tuple of distinct strings, none of them reserved.

    >>> check_names(["label_smoothing", "dropout_rate"])
    ('label_smoothing', 'dropout_rate')
    """
    names = (hyperparams,) if isinstance(hyperparams, str) else tuple(hyperparams)
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"hyperparams must be names (identifiers), got {name!r}")
        if name in RESERVED:
            raise ValueError(f"hyperparams cannot include {name!r}: the table consumes it itself")
    if len(set(names)) != len(names):
        raise ValueError(f"hyperparams has a repeated name: {list(names)}")
    return names


def _defaults(names: tuple[str, ...], defaults: Mapping[str, float] | None) -> dict:
    given = dict(defaults or {})
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise ValueError(f"defaults names {unknown}, which are not in hyperparams {list(names)}")
    return {k: jnp.float32(given.get(k, 0.0)) for k in names}


def _unpack(out: Any) -> tuple[jax.Array, Any, dict]:
    if not (isinstance(out, tuple) and len(out) == 3):
        raise LossContractError(
            "loss must return (loss, new_state, metrics), got "
            + (f"a tuple of {len(out)}" if isinstance(out, tuple) else type(out).__name__)
        )
    value, state, metrics = out
    if not isinstance(metrics, Mapping):
        raise LossContractError(
            f"loss's metrics must be a dict of scalars, got {type(metrics).__name__}"
        )
    return jnp.asarray(value), state, dict(metrics)


def custom_loss(
    loss: Callable[..., Any],
    hyperparams: Any = (),
    defaults: Mapping[str, float] | None = None,
    structural: Any = (),
) -> CustomLoss:
    """The engine's ``objective`` and ``evaluate`` of ``loss`` (see the module docstring).

    Example:
      >>> import jax, jax.numpy as jnp
      >>> def loss(params, state, batch, key, hp):
      ...     return hp["scale"] * jnp.sum(params ** 2), state, {}
      >>> fns = custom_loss(loss, ("scale",))
      >>> state = {"model": {}, "rng": jax.random.key(0)}
      >>> float(fns.objective(jnp.ones(2), state, None, {"scale": 3.0})[0])
      6.0
      >>> fns.evaluate(jnp.ones(2), state, None)  # defaults: scale = 0
      {'loss': Array(0., dtype=float32)}
    """
    names = check_names(hyperparams)
    fixed = _defaults(names, defaults)
    kept = _structural(names, structural)

    def objective(params: Any, state: dict, batch: Any, hp: dict | None = None):
        k_step, k_next = split_key(state)
        hp = hp or fixed
        value, new, metrics = _unpack(loss(params, state[MODEL], batch, k_step, hp))
        out = {MODEL: new, RNG: k_next}
        if kept:
            out[HP] = {k: jnp.asarray(hp[k], jnp.float32) for k in kept}
        return value, (out, metrics)

    def evaluate(params: Any, state: dict, batch: Any) -> dict[str, jax.Array]:
        hp = {**fixed, **state[HP]} if kept else fixed
        value, _, metrics = _unpack(loss(params, state[MODEL], batch, None, hp))
        return {"loss": value, **metrics}

    return CustomLoss(objective, evaluate, names, fixed, kept)


def _structural(names: tuple[str, ...], structural: Any) -> tuple[str, ...]:
    kept = (structural,) if isinstance(structural, str) else tuple(structural)
    unknown = [k for k in kept if k not in names]
    if unknown:
        raise ValueError(f"structural names {unknown}, which are not in hyperparams {list(names)}")
    return kept


def check_loss(fns: CustomLoss, init: Callable[..., Any], batch: Any) -> tuple[str, ...]:
    """Trace ``fns`` on abstract values (nothing is computed) and return the loss's metric
    names; a wrong signature, a non-scalar loss or metric, a new state of another structure, or
    an ``hp`` name not in ``fns.names`` raises.

    Args:
      fns: from :func:`custom_loss`.
      init: ``key -> (params, state)`` with the key stream (the engine's ``init``).
      batch: an abstract batch ``(x, y)`` (``jax.ShapeDtypeStruct``), or ``None``.
    """
    params, state = check_init(init)
    hp = {k: jax.ShapeDtypeStruct((), jnp.float32) for k in fns.names}
    try:
        value, (new_state, metrics) = jax.eval_shape(fns.objective, params, state, batch, hp)
        evaluated = jax.eval_shape(fns.evaluate, params, state, batch)
    except KeyError as err:
        raise ValueError(
            f"loss reads hp[{err.args[0]!r}], which is not among hyperparams {list(fns.names)}"
        ) from err
    except LossContractError:
        raise
    except TypeError as err:
        form = "loss(params, state, batch, key, hp)"
        raise TypeError(f"loss must be callable as {form}: {err}") from err
    if value.shape != ():
        raise ValueError(f"loss must return a scalar loss, got shape {value.shape}")
    if jax.tree.structure(new_state) != jax.tree.structure(state) or any(
        (a.shape, a.dtype) != (b.shape, b.dtype)
        for a, b in zip(jax.tree.leaves(new_state), jax.tree.leaves(state), strict=True)
    ):
        raise ValueError("loss must return a new state of the same structure, shapes and dtypes")
    if "loss" in metrics:
        raise ValueError("loss's metrics cannot be named 'loss' (the loss is recorded as 'loss')")
    for k, v in metrics.items():
        if v.shape != ():
            raise ValueError(f"loss's metric {k!r} must be a scalar, got shape {v.shape}")
    if set(evaluated) != {"loss", *metrics}:
        raise ValueError(
            f"loss returns metrics {sorted(evaluated)} in evaluation mode (key=None) but "
            f"{sorted({'loss', *metrics})} in training mode"
        )
    return tuple(metrics)
