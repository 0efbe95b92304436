"""Pieces every optimizer shares: hyperparameter checks, the step count, the learning rate
(number or schedule), bias corrections, coupled weight decay and a multi-output tree map.

Nothing here branches in Python on a numeric hyperparameter's value: a hyperparameter may be a
tracer (one value per trial of a vmapped population), so every choice that depends on a value
is a ``jnp.where`` on scalars.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

import jax
import jax.numpy as jnp
import numpy as np

from jaxscape._checks import check_finite, check_range, concrete_array, is_traced

Scalar: TypeAlias = float | np.ndarray | jax.Array
"""A hyperparameter value: Python float, NumPy/JAX array, or a tracer inside ``jit``/``vmap``."""

Schedule: TypeAlias = Callable[[jax.Array], Any]
"""``step -> value``; ``step`` is the int32 number of updates already applied (0 first)."""

ScalarOrSchedule: TypeAlias = Scalar | Schedule

_INT32_MAX = np.iinfo(np.int32).max


def check_hyperparameter(
    name: str,
    value: Any,
    *,
    low: float = 0.0,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Raise naming ``name`` unless every concrete element of ``value`` is finite and in range.

    Only the learning rate may be a schedule: a callable here is a ``TypeError``. Tracers pass.
    """
    if callable(value) and not is_traced(value):
        raise TypeError(f"{name} must be a number or an array, got the callable {value!r}")
    check_range(name, value, low=low, high=high, low_open=low_open, high_open=high_open)
    check_finite(name, value)


def check_learning_rate(value: Any, name: str = "learning_rate") -> None:
    """A learning rate is a schedule (unchecked) or finite and ``>= 0`` elementwise."""
    if callable(value) and not is_traced(value):
        return
    check_hyperparameter(name, value, low=0.0)


def check_flag(name: str, value: Any) -> bool:
    """Structural options (``nesterov``, ``centered``) are static Python bools."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise TypeError(
        f"{name} must be a Python bool (it selects the compiled program, so it cannot be an "
        f"array or a traced value), got {type(value).__name__} {value!r}"
    )


def is_concrete_zero(value: Any) -> bool:
    """True when ``value`` is a concrete number or array whose every element is 0."""
    arr = None if callable(value) else concrete_array("value", value)
    return arr is not None and bool(np.all(arr == 0))


def learning_rate_at(learning_rate: ScalarOrSchedule, count: jax.Array) -> Any:
    """The learning rate of the update that follows ``count`` applied updates."""
    return learning_rate(count) if callable(learning_rate) else learning_rate


def zero_count() -> jax.Array:
    """The initial int32 step count."""
    return jnp.zeros([], jnp.int32)


def next_count(count: jax.Array) -> jax.Array:
    """``count + 1``, saturating at the int32 maximum instead of wrapping."""
    return jnp.where(count < _INT32_MAX, count + 1, count).astype(jnp.int32)


def step_number(count: jax.Array) -> jax.Array:
    """The 1-based step ``t = count + 1`` as a float of the default float precision."""
    return (count + 1).astype(jnp.result_type(float))


def bias_correction(one_minus_decay: Any, t: jax.Array) -> jax.Array:
    """``1 - decay**t`` computed from ``1 - decay`` as ``-expm1(t * log1p(-(1 - decay)))``.

    Written this way the result keeps float32 accuracy when ``decay`` is close to 1 (``1 -
    0.999`` is formed in Python double precision when ``decay`` is a Python float, as torch
    forms ``1 - beta**t`` on the host). ``decay = 0`` gives exactly 1.
    """
    return -jnp.expm1(t * jnp.log1p(-jnp.asarray(one_minus_decay, t.dtype)))


def is_literal_zero(value: Any) -> bool:
    """True for a plain Python ``0`` / ``0.0`` (not an array, not a tracer, not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value == 0


def weight_decay_params(params: Any, weight_decay: Any, optimizer: str) -> Any:
    """``params`` if the weight-decay term is part of the program, else ``None``.

    A plain Python zero (the default) leaves the term out of the compiled program, as torch's
    ``if weight_decay != 0`` does: no extra pass over the parameters. Any array or traced value
    (e.g. a ``weight_decay`` column of a sweep, zeros included) keeps the term, so every value
    of a sweep shares one program. Raises ``ValueError`` when ``params`` is ``None`` but
    ``weight_decay`` may be nonzero.
    """
    if is_literal_zero(weight_decay):
        return None
    if params is None:
        if is_concrete_zero(weight_decay):
            return None
        raise ValueError(
            f"{optimizer}: weight_decay needs the parameters; call "
            "update(grads, state, params) (params may be omitted only when weight_decay is "
            "a concrete 0)"
        )
    return params


def coupled_weight_decay(grads: Any, params: Any, weight_decay: Any, optimizer: str) -> Any:
    """torch's coupled (L2) weight decay ``g <- g + weight_decay * p``, leaf by leaf."""
    params = weight_decay_params(params, weight_decay, optimizer)
    if params is None:
        return grads
    return jax.tree.map(lambda g, p: (g + weight_decay * p).astype(g.dtype), grads, params)


def zeros_like_tree(tree: Any) -> Any:
    """A tree of zeros with the leaves' shapes and dtypes."""
    return jax.tree.map(jnp.zeros_like, tree)


def map_leaves(fn: Callable[..., tuple], n_out: int, tree: Any, *rest: Any) -> tuple:
    """Apply ``fn`` leaf by leaf to trees of ``tree``'s structure; return ``n_out`` trees.

    ``fn(*leaves)`` returns a tuple of ``n_out`` arrays (one leaf of each output tree).
    """
    leaves, treedef = jax.tree.flatten(tree)
    others = [treedef.flatten_up_to(t) for t in rest]
    outs = [fn(*xs) for xs in zip(leaves, *others, strict=True)]
    if not outs:
        return tuple(treedef.unflatten([]) for _ in range(n_out))
    return tuple(treedef.unflatten([o[i] for o in outs]) for i in range(n_out))
