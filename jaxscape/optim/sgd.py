"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (torch SGD)."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxscape._checks import concrete_array
from jaxscape.optim._common import (
    Scalar,
    ScalarOrSchedule,
    check_flag,
    check_hyperparameter,
    check_learning_rate,
    coupled_weight_decay,
    learning_rate_at,
    map_leaves,
    next_count,
    zero_count,
    zeros_like_tree,
)


class SgdState(NamedTuple):
    """State of :func:`sgd`.

    Attributes:
      count: int32 ``[]``, updates applied so far.
      momentum: the momentum buffer ``b``, shaped like the parameters.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> state = jo.sgd(0.1, momentum=0.9).init({"w": jnp.ones(2)})
      >>> int(state.count), state.momentum["w"].tolist()
      (0, [0.0, 0.0])
    """

    count: jax.Array
    momentum: Any


def sgd(
    learning_rate: ScalarOrSchedule,
    momentum: Scalar = 0.0,
    nesterov: bool = False,
    dampening: Scalar = 0.0,
    weight_decay: Scalar = 0.0,
) -> optax.GradientTransformation:
    r"""SGD with momentum, exactly as ``torch.optim.SGD``.

    With gradient :math:`g_t` of step :math:`t = 1, 2, \dots`, learning rate :math:`\eta`,
    momentum :math:`\mu`, dampening :math:`d` and weight decay :math:`\lambda`:

    .. math::

        g_t &\leftarrow g_t + \lambda p_{t-1} \\
        b_1 &= g_1, \qquad b_t = \mu b_{t-1} + (1 - d) g_t \quad (t > 1) \\
        \Delta_t &= g_t + \mu b_t \ \text{(nesterov)}, \qquad \Delta_t = b_t \ \text{(otherwise)} \\
        p_t &= p_{t-1} - \eta \Delta_t

    With :math:`\mu = 0` the update is plain :math:`-\eta g_t` (torch skips the buffer; here the
    buffer is always kept, and :math:`\mu = 0` makes it equal :math:`g_t`, so every value of
    :math:`\mu` runs the same compiled program).

    Differences from ``optax.sgd``: optax has no dampening and no weight decay argument (chain
    ``optax.add_decayed_weights`` first); with ``dampening=0`` the two agree.

    Args:
      learning_rate: :math:`\eta \ge 0`, or a schedule ``count -> value``.
      momentum: :math:`\mu \in [0, 1)`.
      nesterov: Nesterov momentum (static); needs :math:`\mu > 0` and :math:`d = 0` (as torch).
      dampening: :math:`d \in [0, 1)`.
      weight_decay: :math:`\lambda \ge 0`, coupled (added to the gradient).

    Returns:
      An ``optax.GradientTransformation``; its state is :class:`SgdState`, its updates are
      shaped like the parameters (same dtype), and ``update`` needs ``params`` unless
      ``weight_decay`` is a concrete 0.

    Example:
      >>> import jax.numpy as jnp, optax
      >>> import jaxscape.optim as jo
      >>> opt = jo.sgd(0.1, momentum=0.9)
      >>> params = {"w": jnp.array([1.0, -2.0])}
      >>> state = opt.init(params)
      >>> updates, state = opt.update({"w": jnp.array([0.5, 0.5])}, state, params)
      >>> [round(float(p), 6) for p in optax.apply_updates(params, updates)["w"]]
      [0.95, -2.05]
    """
    check_learning_rate(learning_rate)
    check_hyperparameter("momentum", momentum, high=1.0, high_open=True)
    check_hyperparameter("dampening", dampening, high=1.0, high_open=True)
    check_hyperparameter("weight_decay", weight_decay)
    nesterov = check_flag("nesterov", nesterov)
    if nesterov:
        mu, damp = concrete_array("momentum", momentum), concrete_array("dampening", dampening)
        if mu is not None and (mu <= 0).any():
            raise ValueError("nesterov=True needs momentum > 0 (as torch.optim.SGD)")
        if damp is not None and (damp != 0).any():
            raise ValueError("nesterov=True needs dampening == 0 (as torch.optim.SGD)")

    def init(params: Any) -> SgdState:
        return SgdState(count=zero_count(), momentum=zeros_like_tree(params))

    def update(grads: Any, state: SgdState, params: Any = None) -> tuple[Any, SgdState]:
        grads = coupled_weight_decay(grads, params, weight_decay, "sgd")
        lr = learning_rate_at(learning_rate, state.count)
        first = state.count == 0
        keep = jnp.where(first, 0.0, momentum)  # b_1 = g_1
        scale = jnp.where(first | (momentum == 0), 1.0, 1 - dampening)

        def leaf(g, b):
            b = (keep * b + scale * g).astype(b.dtype)
            direction = g + momentum * b if nesterov else b
            return (-lr * direction).astype(g.dtype), b

        updates, buf = map_leaves(leaf, 2, grads, state.momentum)
        return updates, SgdState(count=next_count(state.count), momentum=buf)

    return optax.GradientTransformation(init, update)
