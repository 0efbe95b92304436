"""Hessian-vector products of a problem's evaluation-mode loss, for any layer that needs them.

``H v`` is ``jax.jvp`` of ``jax.grad`` (forward-over-reverse) of ``prob.evaluate(...)["loss"]``
with the model state (batch statistics) held fixed: the Hessian is with respect to the
parameters only, in evaluation mode (no dropout), so the product is deterministic.
:func:`batch_hvp` is the product on one data batch; :func:`loss_hvp` the exact product with the
Hessian of the mean loss over every row of a split, in data batches weighted by their sizes.
The landscape's Hessian operator (``landscape/_hvp.py``) and the engine's sharpness
(``population/sharpness.py``) both build on these.

>>> import jax.numpy as jnp, jaxscape as js
>>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(jnp.array([1.0, 3.0]) * p**2),
...                             jnp.zeros(2))
>>> loss_hvp(prob, jnp.zeros(2), {}, jnp.ones(2), None, None, 1024).tolist()
[1.0, 3.0]
"""

from __future__ import annotations

from typing import Any

import jax

from jaxscape._split_mean import split_mean
from jaxscape.problem import Problem


def _loss(prob: Problem, params: Any, state: Any, batch: Any) -> jax.Array:
    return prob.evaluate(params, state, batch)["loss"]


def batch_hvp(prob: Problem, params: Any, state: Any, tangent: Any, batch: Any) -> Any:
    """``H v`` on one batch ``(x, y)`` (or ``None``); ``tangent`` is shaped like ``params``."""
    grad = lambda p: jax.grad(_loss, argnums=1)(prob, p, state, batch)
    tangent = jax.tree.map(lambda t, p: t.astype(p.dtype), tangent, params)
    return jax.jvp(grad, (params,), (tangent,))[1]


def loss_hvp(
    prob: Problem,
    params: Any,
    state: Any,
    tangent: Any,
    x: jax.Array | None,
    y: jax.Array | None,
    batch_size: int,
) -> Any:
    """``H v`` for the mean loss over all rows of ``(x, y)`` (``None``: no data), exactly.

    Traceable (call it inside ``jit``/``vmap``); the result is shaped like ``params``.
    """
    return split_mean(lambda b: batch_hvp(prob, params, state, tangent, b), x, y, batch_size)
