"""Adadelta with weight decay (torch Adadelta)."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxscape.optim._common import (
    Scalar,
    ScalarOrSchedule,
    check_hyperparameter,
    check_learning_rate,
    coupled_weight_decay,
    learning_rate_at,
    map_leaves,
    next_count,
    zero_count,
    zeros_like_tree,
)


class AdadeltaState(NamedTuple):
    """State of :func:`adadelta`.

    Attributes:
      count: int32 ``[]``, updates applied so far.
      square_avg: running mean of squared gradients ``v``, shaped like the parameters.
      acc_delta: running mean of squared steps ``u``.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> state = jo.adadelta().init({"w": jnp.ones(2)})
      >>> int(state.count), state.acc_delta["w"].tolist()
      (0, [0.0, 0.0])
    """

    count: jax.Array
    square_avg: Any
    acc_delta: Any


def adadelta(
    learning_rate: ScalarOrSchedule = 1.0,
    rho: Scalar = 0.9,
    eps: Scalar = 1e-6,
    weight_decay: Scalar = 0.0,
) -> optax.GradientTransformation:
    r"""Adadelta, exactly as ``torch.optim.Adadelta``.

    With step :math:`t = 1, 2, \dots`, learning rate :math:`\eta`, decay :math:`\rho` and weight
    decay :math:`\lambda`, starting from :math:`v_0 = u_0 = 0`:

    .. math::

        g_t &\leftarrow g_t + \lambda p_{t-1} \\
        v_t &= \rho v_{t-1} + (1 - \rho) g_t^2 \\
        \Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} \, g_t \\
        u_t &= \rho u_{t-1} + (1 - \rho) \Delta_t^2 \\
        p_t &= p_{t-1} - \eta \Delta_t

    Differences from ``optax.adadelta``: optax's ``learning_rate`` defaults to ``None``, which
    leaves the update un-negated (it steps *up* the gradient); pass ``learning_rate=1.0`` to
    match torch. The formulas otherwise agree (same :math:`\rho = 0.9`,
    :math:`\epsilon = 10^{-6}`).

    Args:
      learning_rate: :math:`\eta \ge 0`, or a schedule ``count -> value``.
      rho: :math:`\rho \in [0, 1)`.
      eps: :math:`\epsilon > 0`.
      weight_decay: :math:`\lambda \ge 0`, coupled (added to the gradient).

    Returns:
      An ``optax.GradientTransformation`` with state :class:`AdadeltaState`.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> opt = jo.adadelta(rho=0.0, eps=1e-6)
      >>> params = jnp.array([0.0])
      >>> updates, _ = opt.update(jnp.array([1.0]), opt.init(params), params)
      >>> round(float(updates[0]), 6)  # -sqrt(eps) / sqrt(g^2 + eps) * g
      -0.001
    """
    check_learning_rate(learning_rate)
    check_hyperparameter("rho", rho, high=1.0, high_open=True)
    check_hyperparameter("eps", eps, low_open=True)
    check_hyperparameter("weight_decay", weight_decay)

    def init(params: Any) -> AdadeltaState:
        return AdadeltaState(zero_count(), zeros_like_tree(params), zeros_like_tree(params))

    def update(grads: Any, state: AdadeltaState, params: Any = None) -> tuple[Any, AdadeltaState]:
        grads = coupled_weight_decay(grads, params, weight_decay, "adadelta")
        lr = learning_rate_at(learning_rate, state.count)
        w = 1 - rho

        def leaf(g, v, u):
            v = (rho * v + w * (g * g)).astype(v.dtype)
            delta = jnp.sqrt(u + eps) / jnp.sqrt(v + eps) * g
            u = (rho * u + w * (delta * delta)).astype(u.dtype)
            return (-lr * delta).astype(g.dtype), v, u

        updates, v, u = map_leaves(leaf, 3, grads, state.square_avg, state.acc_delta)
        return updates, AdadeltaState(next_count(state.count), v, u)

    return optax.GradientTransformation(init, update)
