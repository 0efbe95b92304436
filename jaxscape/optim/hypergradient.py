r"""Hypergradient descent of the learning rate (Baydin et al., ICLR 2018): the shared rule.

One rule serves every variant (:func:`~jaxscape.optim.sgd_hd`,
:func:`~jaxscape.optim.adam_hd`). An underlying optimizer moves the parameters along a
direction :math:`d_t` at a rate :math:`\alpha_t`, :math:`\theta_t = \theta_{t-1} - \alpha_t
d_t`. Since :math:`\partial \theta_{t-1} / \partial \alpha = -d_{t-1}`, the derivative of the
loss at :math:`\theta_{t-1}` with respect to the rate of the previous step is :math:`-g_t \cdot
d_{t-1}`, and one gradient step on the rate, taken *before* the parameter step, is

.. math::

    \alpha_t = \alpha_{t-1} + \beta \, g_t \cdot d_{t-1}, \qquad d_0 = 0

(the dot product runs over all parameters; :math:`\beta` is the hypergradient learning rate).
The first step therefore uses :math:`\alpha_0`. The rate lives in the optimizer state
(:class:`HypergradientState`), one scalar per trial under ``jax.vmap``; it is neither clipped
nor kept positive, as in the paper.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxscape.optim._common import (
    Scalar,
    check_hyperparameter,
    coupled_weight_decay,
    zeros_like_tree,
)

InnerFactory = Callable[[Callable[[jax.Array], jax.Array]], optax.GradientTransformation]
"""``schedule -> optimizer``: the underlying optimizer at the rate ``schedule(count)``, with no
weight decay (the rule adds it to the gradient first)."""


class HypergradientState(NamedTuple):
    """State of :func:`~jaxscape.optim.sgd_hd` and :func:`~jaxscape.optim.adam_hd`.

    Attributes:
      learning_rate: float ``[]``, the rate :math:`\\alpha_t` of the last update
        (:math:`\\alpha_0` before the first one); ``[N]`` for a vmapped population.
      inner: the state of the underlying optimizer (:class:`~jaxscape.optim.SgdState`,
        :class:`~jaxscape.optim.AdamState`), its step count included.
      direction: the last direction :math:`d_t` (shaped like the parameters; zeros before the
        first step) when the inner state does not hold it (Nesterov momentum, Adam), else
        ``None``.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> state = jo.sgd_hd(0.1).init({"w": jnp.ones(2)})
      >>> float(state.learning_rate), int(state.inner.count)
      (0.10000000149011612, 0)
    """

    learning_rate: jax.Array
    inner: Any
    direction: Any = None

    #: Recorded by the engine as ``opt_learning_rate`` (see :mod:`jaxscape.optim.exposed`).
    EXPOSED = ("learning_rate",)


def tree_dot(a: Any, b: Any, dtype: Any) -> jax.Array:
    """:math:`\\sum_i a_i b_i` over every leaf of two trees of one structure, in ``dtype``."""
    dots = [
        jnp.sum(x.astype(dtype) * y.astype(dtype))
        for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True)
    ]
    return sum(dots, jnp.zeros([], dtype))


def hypergradient_descent(
    make_inner: InnerFactory,
    previous_direction: Callable[[HypergradientState], Any],
    learning_rate: Scalar,
    hypergrad_lr: Scalar,
    weight_decay: Scalar,
    name: str,
    next_direction: Callable[[Any, HypergradientState, Any], Any] | None = None,
) -> optax.GradientTransformation:
    """The rule around an underlying optimizer whose rate is a schedule.

    Args:
      make_inner: builds the underlying optimizer at a given rate (validating its own
        hyperparameters; it is called once here, so bad values raise now).
      previous_direction: ``state -> d_{t-1}`` (zeros before the first step).
      learning_rate: :math:`\\alpha_0 \\ge 0`.
      hypergrad_lr: :math:`\\beta \\ge 0`.
      weight_decay: :math:`\\lambda \\ge 0`, coupled: :math:`g_t \\leftarrow g_t + \\lambda
        \\theta_{t-1}` before the hypergradient and the step (as the authors' code).
      name: the optimizer's name, for error messages.
      next_direction: ``(g_t, state before the step, inner state after it) -> d_t`` when
        ``d_t`` is kept in :attr:`HypergradientState.direction`; ``None`` when the inner state
        holds it.

    Returns:
      An ``optax.GradientTransformation`` with state :class:`HypergradientState`.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> from jaxscape.optim.hypergradient import hypergradient_descent
      >>> opt = hypergradient_descent(  # SGD-HD by hand: d_{t-1} is the momentum buffer
      ...     lambda rate: jo.sgd(rate), lambda s: s.inner.momentum, 0.1, 0.5, 0.0, "sgd_hd")
      >>> p, state = jnp.array([1.0]), opt.init(jnp.array([1.0]))
      >>> for g in (1.0, 1.0):
      ...     u, state = opt.update(jnp.array([g]), state, p)
      >>> round(float(state.learning_rate), 6)  # 0.1 + 0.5 * (1 * 1)
      0.6
    """
    check_hyperparameter("learning_rate", learning_rate)
    check_hyperparameter("hypergrad_lr", hypergrad_lr)
    check_hyperparameter("weight_decay", weight_decay)
    make_inner(lambda _: learning_rate)  # validates the underlying optimizer's arguments

    def init(params: Any) -> HypergradientState:
        rate = jnp.asarray(learning_rate, jnp.result_type(float))
        direction = None if next_direction is None else zeros_like_tree(params)
        return HypergradientState(rate, make_inner(lambda _: rate).init(params), direction)

    def update(
        grads: Any, state: HypergradientState, params: Any = None
    ) -> tuple[Any, HypergradientState]:
        grads = coupled_weight_decay(grads, params, weight_decay, name)
        dtype = state.learning_rate.dtype
        h = tree_dot(grads, previous_direction(state), dtype)
        rate = (state.learning_rate + hypergrad_lr * h).astype(dtype)
        updates, inner = make_inner(lambda _: rate).update(grads, state.inner, params)
        direction = None if next_direction is None else next_direction(grads, state, inner)
        return updates, HypergradientState(rate, inner, direction)

    return optax.GradientTransformation(init, update)
