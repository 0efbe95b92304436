"""Adamax, the infinity-norm variant of Adam (torch Adamax)."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxscape.optim._common import (
    Scalar,
    ScalarOrSchedule,
    bias_correction,
    check_hyperparameter,
    check_learning_rate,
    coupled_weight_decay,
    learning_rate_at,
    map_leaves,
    next_count,
    step_number,
    zero_count,
    zeros_like_tree,
)


class AdamaxState(NamedTuple):
    """State of :func:`adamax`.

    Attributes:
      count: int32 ``[]``, updates applied so far.
      mu: first moment ``m``, shaped like the parameters.
      inf_norm: exponentially weighted infinity norm ``u``.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> state = jo.adamax().init({"w": jnp.ones(2)})
      >>> int(state.count), state.inf_norm["w"].tolist()
      (0, [0.0, 0.0])
    """

    count: jax.Array
    mu: Any
    inf_norm: Any


def adamax(
    learning_rate: ScalarOrSchedule = 2e-3,
    b1: Scalar = 0.9,
    b2: Scalar = 0.999,
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
) -> optax.GradientTransformation:
    r"""Adamax, exactly as ``torch.optim.Adamax`` (``betas=(b1, b2)``).

    With step :math:`t = 1, 2, \dots`, learning rate :math:`\eta` and weight decay
    :math:`\lambda`, starting from :math:`m_0 = u_0 = 0`:

    .. math::

        g_t &\leftarrow g_t + \lambda p_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        u_t &= \max(\beta_2 u_{t-1}, |g_t| + \epsilon) \\
        p_t &= p_{t-1} - \frac{\eta}{1 - \beta_1^t} \, \frac{m_t}{u_t}

    Differences from ``optax.adamax``: the same rule with another rounding order; optax has no
    default learning rate (torch: :math:`2 \cdot 10^{-3}`) and no weight decay argument.

    Args:
      learning_rate: :math:`\eta \ge 0`, or a schedule ``count -> value``.
      b1: :math:`\beta_1 \in [0, 1)`.
      b2: :math:`\beta_2 \in [0, 1)`.
      eps: :math:`\epsilon > 0`.
      weight_decay: :math:`\lambda \ge 0`, coupled (added to the gradient).

    Returns:
      An ``optax.GradientTransformation`` with state :class:`AdamaxState`.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> opt = jo.adamax(0.01)
      >>> params = jnp.array([1.0, 1.0])
      >>> updates, _ = opt.update(jnp.array([2.0, -0.5]), opt.init(params), params)
      >>> [round(float(u), 6) for u in updates]  # the first step is -lr * sign(g)
      [-0.01, 0.01]
    """
    check_learning_rate(learning_rate)
    check_hyperparameter("b1", b1, high=1.0, high_open=True)
    check_hyperparameter("b2", b2, high=1.0, high_open=True)
    check_hyperparameter("eps", eps, low_open=True)
    check_hyperparameter("weight_decay", weight_decay)

    def init(params: Any) -> AdamaxState:
        return AdamaxState(zero_count(), zeros_like_tree(params), zeros_like_tree(params))

    def update(grads: Any, state: AdamaxState, params: Any = None) -> tuple[Any, AdamaxState]:
        grads = coupled_weight_decay(grads, params, weight_decay, "adamax")
        lr = learning_rate_at(learning_rate, state.count)
        clr = lr / bias_correction(1 - b1, step_number(state.count))

        def leaf(g, m, u):
            m = (m + (1 - b1) * (g - m)).astype(m.dtype)
            u = jnp.maximum(b2 * u, jnp.abs(g) + eps).astype(u.dtype)
            return (-clr * (m / u)).astype(g.dtype), m, u

        updates, mu, inf_norm = map_leaves(leaf, 3, grads, state.mu, state.inf_norm)
        return updates, AdamaxState(next_count(state.count), mu, inf_norm)

    return optax.GradientTransformation(init, update)
