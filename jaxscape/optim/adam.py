"""Adam (coupled weight decay) and AdamW (decoupled weight decay), as torch Adam and AdamW."""

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
    weight_decay_params,
    zero_count,
    zeros_like_tree,
)


class AdamState(NamedTuple):
    """State of :func:`adam` and :func:`adamw`.

    Attributes:
      count: int32 ``[]``, updates applied so far.
      mu: first moment ``m``, shaped like the parameters.
      nu: second moment ``v``, shaped like the parameters.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> state = jo.adam().init({"w": jnp.ones(2)})
      >>> int(state.count), state.nu["w"].tolist()
      (0, [0.0, 0.0])
    """

    count: jax.Array
    mu: Any
    nu: Any


def _check(learning_rate, b1, b2, eps, weight_decay) -> None:
    check_learning_rate(learning_rate)
    check_hyperparameter("b1", b1, high=1.0, high_open=True)
    check_hyperparameter("b2", b2, high=1.0, high_open=True)
    check_hyperparameter("eps", eps, low_open=True)
    check_hyperparameter("weight_decay", weight_decay)


def _adam(learning_rate, b1, b2, eps, weight_decay, decoupled: bool, name: str):
    def init(params: Any) -> AdamState:
        return AdamState(zero_count(), zeros_like_tree(params), zeros_like_tree(params))

    def update(grads: Any, state: AdamState, params: Any = None) -> tuple[Any, AdamState]:
        lr = learning_rate_at(learning_rate, state.count)
        if decoupled:
            params = weight_decay_params(params, weight_decay, name)
        else:
            grads = coupled_weight_decay(grads, params, weight_decay, name)
        t = step_number(state.count)
        step_size = lr / bias_correction(1 - b1, t)
        bc2_sqrt = jnp.sqrt(bias_correction(1 - b2, t))
        shrink = lr * weight_decay

        def leaf(g, m, v, *p):
            m = (m + (1 - b1) * (g - m)).astype(m.dtype)
            v = (b2 * v + (1 - b2) * (g * g)).astype(v.dtype)
            u = -step_size * (m / (jnp.sqrt(v) / bc2_sqrt + eps))
            if p:  # AdamW: p <- p (1 - lr wd) before the Adam step
                u = u - shrink * p[0]
            return u.astype(g.dtype), m, v

        decay_params = (params,) if decoupled and params is not None else ()
        updates, mu, nu = map_leaves(leaf, 3, grads, state.mu, state.nu, *decay_params)
        return updates, AdamState(next_count(state.count), mu, nu)

    return optax.GradientTransformation(init, update)


def adam(
    learning_rate: ScalarOrSchedule = 1e-3,
    b1: Scalar = 0.9,
    b2: Scalar = 0.999,
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
) -> optax.GradientTransformation:
    r"""Adam, exactly as ``torch.optim.Adam`` (``betas=(b1, b2)``, no amsgrad).

    With step :math:`t = 1, 2, \dots`, learning rate :math:`\eta` and weight decay
    :math:`\lambda`, starting from :math:`m_0 = v_0 = 0`:

    .. math::

        g_t &\leftarrow g_t + \lambda p_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        p_t &= p_{t-1} - \frac{\eta}{1 - \beta_1^t} \,
            \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    Differences from ``optax.adam``: the same rule with another rounding order
    (optax divides the moments by the bias corrections first); optax has no weight decay
    argument. Torch's ``weight_decay`` here is coupled L2 (added to the gradient); for the
    decoupled form use :func:`adamw`.

    Args:
      learning_rate: :math:`\eta \ge 0`, or a schedule ``count -> value``.
      b1: :math:`\beta_1 \in [0, 1)`.
      b2: :math:`\beta_2 \in [0, 1)`.
      eps: :math:`\epsilon > 0`.
      weight_decay: :math:`\lambda \ge 0`, coupled.

    Returns:
      An ``optax.GradientTransformation`` with state :class:`AdamState`.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> opt = jo.adam(0.1)
      >>> params = jnp.array([1.0, 1.0])
      >>> updates, _ = opt.update(jnp.array([0.3, -4.0]), opt.init(params), params)
      >>> [round(float(u), 6) for u in updates]  # the first Adam step is -lr * sign(g)
      [-0.1, 0.1]
    """
    _check(learning_rate, b1, b2, eps, weight_decay)
    return _adam(learning_rate, b1, b2, eps, weight_decay, decoupled=False, name="adam")


def adamw(
    learning_rate: ScalarOrSchedule = 1e-3,
    b1: Scalar = 0.9,
    b2: Scalar = 0.999,
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 1e-2,
) -> optax.GradientTransformation:
    r"""AdamW, exactly as ``torch.optim.AdamW`` (decoupled weight decay, no amsgrad).

    As :func:`adam` without the coupled term, and with the parameters shrunk first:

    .. math::

        p_{t-1} &\leftarrow p_{t-1} (1 - \eta \lambda) \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
            v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        p_t &= p_{t-1} - \frac{\eta}{1 - \beta_1^t} \,
            \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    (:math:`\eta` is the learning rate of this step, so a schedule also scales the decay.)

    Differences from ``optax.adamw``: the same rule, but optax's default weight decay is
    :math:`10^{-4}` (torch: :math:`10^{-2}`).

    Args:
      learning_rate: :math:`\eta \ge 0`, or a schedule ``count -> value``.
      b1: :math:`\beta_1 \in [0, 1)`.
      b2: :math:`\beta_2 \in [0, 1)`.
      eps: :math:`\epsilon > 0`.
      weight_decay: :math:`\lambda \ge 0`, decoupled.

    Returns:
      An ``optax.GradientTransformation`` with state :class:`AdamState`.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> opt = jo.adamw(0.1, weight_decay=0.5)
      >>> params = jnp.array([2.0])
      >>> updates, _ = opt.update(jnp.array([0.0]), opt.init(params), params)
      >>> round(float(updates[0]), 6)  # zero gradient: only the decay -lr * wd * p
      -0.1
    """
    _check(learning_rate, b1, b2, eps, weight_decay)
    return _adam(learning_rate, b1, b2, eps, weight_decay, decoupled=True, name="adamw")
