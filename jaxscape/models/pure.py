"""A model as two pure functions with an explicit key, and the key stream that drives it.

Every model kind that is not flax NNX (flax linen, equinox, a pair of plain functions) is first
turned into a :class:`PureModel`:

- ``init(key) -> (params, state)``: trained parameters and the other variables (batch
  statistics; ``{}`` when there are none);
- ``apply(params, state, x, key, train) -> (outputs, new_state)``: a forward pass of a batch
  ``x`` ``[B, *input_shape]`` to ``[B, k]``; in training mode (``train=True``) ``key`` drives
  dropout and ``new_state`` holds updated statistics; in evaluation mode ``key`` is ``None``
  and ``new_state`` is ``state``.

The population engine's objective takes no key, so :func:`key_stream` keeps the key *inside
the state*, as NNX's RNG streams do: ``init(key)`` splits ``key`` into ``(k_init, k_stream)``,
initialises the model with ``k_init`` and stores ``k_stream``; every training step splits the
stored key into ``(k_step, k_next)``, applies the model with ``k_step`` and stores
``k_next``. So trials with different seeds draw different dropout masks, every step draws a
fresh one, and a hand-written loop reproduces them exactly::

    k_init, k = jax.random.split(jax.random.key(seed))
    params, state = model.init(k_init)
    for t in range(steps):
        k_step, k = jax.random.split(k)
        out, state = model.apply(params, state, x_t, k_step, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax

from jaxscape.models.functional import Functional

Params = Any
State = Any

#: The keys of a key-stream state: the model's own state and the stored key.
MODEL, RNG = "model", "rng"


@dataclass(frozen=True, eq=False)
class PureModel:
    """Pure ``init``/``apply`` with an explicit key (see the module docstring).

    Attributes:
      init: ``key -> (params, state)``.
      apply: ``(params, state, x, key, train) -> (outputs, new_state)``; ``key`` is ``None``
        in evaluation mode.
      name: a short description used in reports.
      has_stats: whether ``state`` holds batch statistics (a population then cannot mask
        batches to per-trial sizes, see ``Problem.no_weights``).
    """

    init: Callable[[jax.Array], tuple[Params, State]]
    apply: Callable[[Params, State, jax.Array, jax.Array | None, bool], tuple[jax.Array, State]]
    name: str
    has_stats: bool = False


def check_init(init: Callable[..., Any]) -> tuple[Any, Any]:
    """The abstract ``(params, state)`` of ``init(key)`` (nothing is computed), or a
    ``TypeError`` saying what ``init`` must be."""
    try:
        out = jax.eval_shape(init, jax.random.key(0))
    except TypeError as err:
        raise TypeError(f"init must be callable as init(key) -> (params, state): {err}") from err
    if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError(
            f"init(key) must return (params, state) (state {{}} when there is none), got "
            f"{type(out).__name__}"
        )
    return out


def split_key(state: dict[str, Any]) -> tuple[jax.Array, jax.Array]:
    """``(k_step, k_next)`` from a key-stream state: this step's key and the one stored next."""
    k_step, k_next = jax.random.split(state[RNG])
    return k_step, k_next


def stream_init(init: Callable[[jax.Array], tuple[Params, State]]) -> Callable[..., Any]:
    """``key -> (params, {"model": state, "rng": k_stream})`` from ``init(key)``."""

    def wrapped(key: jax.Array) -> tuple[Params, dict[str, Any]]:
        k_init, k_stream = jax.random.split(key)
        params, state = init(k_init)
        return params, {MODEL: state, RNG: k_stream}

    return wrapped


def key_stream(model: PureModel) -> Functional:
    """The model as ``init(key)``/``apply(params, state, x, train)`` with its key in the state.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> def init(key):
      ...     return {"w": jax.random.normal(key, (3, 2))}, {}
      >>> def apply(params, state, x, key, train):
      ...     h = x @ params["w"]
      ...     if train:  # inverted dropout at rate 0.5
      ...         h = jnp.where(jax.random.bernoulli(key, 0.5, h.shape), 2 * h, 0.0)
      ...     return h, state
      >>> fn = key_stream(PureModel(init, apply, "linear"))
      >>> params, state = fn.init(jax.random.key(0))
      >>> sorted(state)
      ['model', 'rng']
      >>> out, new_state = fn.apply(params, state, jnp.ones((4, 3)), True)
      >>> out.shape, sorted(new_state)
      ((4, 2), ['model', 'rng'])
    """

    def apply(params: Params, state: dict[str, Any], x: jax.Array, train: bool):
        if not train:
            out, _ = model.apply(params, state[MODEL], x, None, False)
            return out, state
        k_step, k_next = split_key(state)
        out, new = model.apply(params, state[MODEL], x, k_step, True)
        return out, {MODEL: new, RNG: k_next}

    init = stream_init(model.init)
    shapes = jax.eval_shape(init, jax.random.key(0))[0]
    return Functional(init=init, apply=apply, param_shapes=shapes)
