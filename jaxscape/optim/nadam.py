"""NAdam with torch's momentum-decay schedule (torch NAdam)."""

from __future__ import annotations

import math
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

_LOG_096 = math.log(0.96)


class NadamState(NamedTuple):
    """State of :func:`nadam`.

    Attributes:
      count: int32 ``[]``, updates applied so far.
      mu_product: float ``[]``, the product :math:`\\prod_{i \\le t} \\mu_i` of the scheduled
        momenta so far (1 initially).
      mu: first moment ``m``, shaped like the parameters.
      nu: second moment ``v``, shaped like the parameters.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> state = jo.nadam().init({"w": jnp.ones(2)})
      >>> int(state.count), state.mu["w"].tolist()
      (0, [0.0, 0.0])
    """

    count: jax.Array
    mu_product: jax.Array
    mu: Any
    nu: Any


def nadam(
    learning_rate: ScalarOrSchedule = 2e-3,
    b1: Scalar = 0.9,
    b2: Scalar = 0.999,
    eps: Scalar = 1e-8,
    momentum_decay: Scalar = 4e-3,
    weight_decay: Scalar = 0.0,
) -> optax.GradientTransformation:
    r"""NAdam, exactly as ``torch.optim.NAdam`` (coupled weight decay).

    With step :math:`t = 1, 2, \dots`, learning rate :math:`\eta`, momentum decay :math:`\psi`
    and weight decay :math:`\lambda`, starting from :math:`m_0 = v_0 = 0`, :math:`\Pi_0 = 1`:

    .. math::

        g_t &\leftarrow g_t + \lambda p_{t-1} \\
        \mu_t &= \beta_1 \left(1 - \tfrac12 \, 0.96^{t \psi}\right), \qquad
            \mu_{t+1} = \beta_1 \left(1 - \tfrac12 \, 0.96^{(t + 1) \psi}\right), \qquad
            \Pi_t = \Pi_{t-1} \mu_t \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
            v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        d_t &= \sqrt{v_t / (1 - \beta_2^t)} + \epsilon \\
        p_t &= p_{t-1} - \eta \frac{1 - \mu_t}{1 - \Pi_t} \frac{g_t}{d_t}
            - \eta \frac{\mu_{t+1}}{1 - \Pi_t \mu_{t+1}} \frac{m_t}{d_t}

    Differences from ``optax.nadam``: optax's NAdam is Adam with a Nesterov look-ahead of a
    *constant* :math:`\beta_1` (:math:`\hat m_t = \beta_1 m_t / (1 - \beta_1^{t+1}) +
    (1 - \beta_1) g_t / (1 - \beta_1^t)`), without torch's momentum-decay schedule
    :math:`\mu_t`; the two give different numbers.

    Args:
      learning_rate: :math:`\eta \ge 0`, or a schedule ``count -> value``.
      b1: :math:`\beta_1 \in [0, 1)`.
      b2: :math:`\beta_2 \in [0, 1)`.
      eps: :math:`\epsilon > 0`.
      momentum_decay: :math:`\psi \ge 0`.
      weight_decay: :math:`\lambda \ge 0`, coupled (added to the gradient).

    Returns:
      An ``optax.GradientTransformation`` with state :class:`NadamState`.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> opt = jo.nadam(0.01)
      >>> params = jnp.array([1.0])
      >>> state = opt.init(params)
      >>> for _ in range(3):
      ...     updates, state = opt.update(jnp.array([1.0]), state, params)
      >>> int(state.count), bool(updates[0] < 0)
      (3, True)
    """
    check_learning_rate(learning_rate)
    check_hyperparameter("b1", b1, high=1.0, high_open=True)
    check_hyperparameter("b2", b2, high=1.0, high_open=True)
    check_hyperparameter("eps", eps, low_open=True)
    check_hyperparameter("momentum_decay", momentum_decay)
    check_hyperparameter("weight_decay", weight_decay)

    def init(params: Any) -> NadamState:
        one = jnp.ones([], jnp.result_type(float))
        return NadamState(zero_count(), one, zeros_like_tree(params), zeros_like_tree(params))

    def update(grads: Any, state: NadamState, params: Any = None) -> tuple[Any, NadamState]:
        grads = coupled_weight_decay(grads, params, weight_decay, "nadam")
        lr = learning_rate_at(learning_rate, state.count)
        t = step_number(state.count)
        mu_t = b1 * (1.0 - 0.5 * jnp.exp(t * momentum_decay * _LOG_096))
        mu_next = b1 * (1.0 - 0.5 * jnp.exp((t + 1) * momentum_decay * _LOG_096))
        mu_product = (state.mu_product * mu_t).astype(state.mu_product.dtype)
        c_grad = -lr * (1.0 - mu_t) / (1.0 - mu_product)
        c_mom = -lr * mu_next / (1.0 - mu_product * mu_next)
        bc2 = bias_correction(1 - b2, t)

        def leaf(g, m, v):
            m = (m + (1 - b1) * (g - m)).astype(m.dtype)
            v = (b2 * v + (1 - b2) * (g * g)).astype(v.dtype)
            d = jnp.sqrt(v / bc2) + eps
            return (c_grad * (g / d) + c_mom * (m / d)).astype(g.dtype), m, v

        updates, mu, nu = map_leaves(leaf, 3, grads, state.mu, state.nu)
        return updates, NadamState(next_count(state.count), mu_product, mu, nu)

    return optax.GradientTransformation(init, update)
