"""RMSprop with momentum, centering and weight decay (torch RMSprop)."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

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


class RmspropState(NamedTuple):
    """State of :func:`rmsprop`.

    Attributes:
      count: int32 ``[]``, updates applied so far.
      square_avg: running mean of squared gradients ``v``, shaped like the parameters.
      momentum: the momentum buffer ``b``.
      grad_avg: running mean of gradients ``m`` when ``centered``; ``()`` otherwise.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> state = jo.rmsprop().init({"w": jnp.ones(2)})
      >>> int(state.count), state.square_avg["w"].tolist()
      (0, [0.0, 0.0])
    """

    count: jax.Array
    square_avg: Any
    momentum: Any
    grad_avg: Any


def rmsprop(
    learning_rate: ScalarOrSchedule = 0.01,
    decay: Scalar = 0.99,
    eps: Scalar = 1e-8,
    momentum: Scalar = 0.0,
    centered: bool = False,
    weight_decay: Scalar = 0.0,
    eps_inside: bool = False,
    initial_mean_square: Scalar = 0.0,
) -> optax.GradientTransformation:
    r"""RMSprop, exactly as ``torch.optim.RMSprop`` (``decay`` is torch's ``alpha``).

    With step :math:`t = 1, 2, \dots`, learning rate :math:`\eta`, decay :math:`\alpha`,
    momentum :math:`\mu` and weight decay :math:`\lambda`, starting from :math:`v_0 = v_{init}`
    (``initial_mean_square``, torch: 0) and :math:`m_0 = b_0 = 0`:

    .. math::

        g_t &\leftarrow g_t + \lambda p_{t-1} \\
        v_t &= \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
        m_t &= \alpha m_{t-1} + (1 - \alpha) g_t \\
        r_t &= \sqrt{v_t - m_t^2} + \epsilon \ \text{(centered)}, \qquad
            r_t = \sqrt{v_t} + \epsilon \ \text{(otherwise)} \\
        b_t &= \mu b_{t-1} + g_t / r_t \\
        p_t &= p_{t-1} - \eta b_t

    With :math:`\mu = 0`, :math:`b_t = g_t / r_t` (torch's no-momentum branch).

    TensorFlow 1.x convention (``tf.train.RMSPropOptimizer``, Keras' ``RMSprop``): with
    ``eps_inside=True`` the denominator is :math:`r_t = \sqrt{v_t + \epsilon}` (centered:
    :math:`\sqrt{v_t - m_t^2 + \epsilon}`), and TF 1.x starts the mean square at
    :math:`v_0 = 1` (``initial_mean_square=1.0``), which damps the first steps: the first update
    is :math:`-\eta g_1 / \sqrt{\alpha + (1 - \alpha) g_1^2 + \epsilon}` instead of torch's
    :math:`\approx -\eta \operatorname{sign}(g_1) / \sqrt{1 - \alpha}`. TF's defaults are
    ``rmsprop(lr, decay=0.9, eps=1e-10, eps_inside=True, initial_mean_square=1.0)``. (TF keeps
    :math:`\eta` inside its momentum buffer; that agrees with the rule above for a constant rate.)

    Differences from ``optax.rmsprop``: optax defaults to decay 0.9 (torch 0.99) and puts
    :math:`\epsilon` inside the square root unless ``eps_in_sqrt=False``; its momentum buffer
    accumulates :math:`\eta_t g_t / r_t` (the learning rate inside), which agrees with torch
    only for a constant learning rate.

    Args:
      learning_rate: :math:`\eta \ge 0`, or a schedule ``count -> value``.
      decay: :math:`\alpha \in [0, 1)`.
      eps: :math:`\epsilon > 0`.
      momentum: :math:`\mu \in [0, 1)`.
      centered: divide by the centered (variance) estimate (static).
      weight_decay: :math:`\lambda \ge 0`, coupled (added to the gradient).
      eps_inside: put :math:`\epsilon` inside the square root (TensorFlow; static).
      initial_mean_square: :math:`v_{init} \ge 0`, the mean square's starting value (TF 1.x: 1).

    Returns:
      An ``optax.GradientTransformation`` with state :class:`RmspropState`.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> opt = jo.rmsprop(0.01, decay=0.75, eps=1e-8)
      >>> params = jnp.array([1.0])
      >>> updates, _ = opt.update(jnp.array([3.0]), opt.init(params), params)
      >>> round(float(updates[0]), 6)  # -lr * g / sqrt((1 - decay) g^2) = -0.01 / 0.5
      -0.02
      >>> tf = jo.rmsprop(0.01, decay=0.9, eps=1e-10, eps_inside=True, initial_mean_square=1.0)
      >>> updates, _ = tf.update(jnp.array([3.0]), tf.init(params), params)
      >>> round(float(updates[0]), 6)  # -lr * g / sqrt(0.9 * 1 + 0.1 * g^2) = -0.03 / sqrt(1.8)
      -0.022361
    """
    check_learning_rate(learning_rate)
    check_hyperparameter("decay", decay, high=1.0, high_open=True)
    check_hyperparameter("eps", eps, low_open=True)
    check_hyperparameter("momentum", momentum, high=1.0, high_open=True)
    check_hyperparameter("weight_decay", weight_decay)
    check_hyperparameter("initial_mean_square", initial_mean_square)
    centered = check_flag("centered", centered)
    eps_inside = check_flag("eps_inside", eps_inside)

    def root(x):
        return jnp.sqrt(x + eps) if eps_inside else jnp.sqrt(x) + eps

    def init(params: Any) -> RmspropState:
        grad_avg = zeros_like_tree(params) if centered else ()
        square_avg = jax.tree.map(lambda p: jnp.full_like(p, initial_mean_square), params)
        return RmspropState(zero_count(), square_avg, zeros_like_tree(params), grad_avg)

    def update(grads: Any, state: RmspropState, params: Any = None) -> tuple[Any, RmspropState]:
        grads = coupled_weight_decay(grads, params, weight_decay, "rmsprop")
        lr = learning_rate_at(learning_rate, state.count)
        w = 1 - decay

        def leaf(g, v, b, *m):
            v = (decay * v + w * (g * g)).astype(v.dtype)
            if centered:
                m = ((m[0] + w * (g - m[0])).astype(m[0].dtype),)
                r = root(v - m[0] * m[0])
            else:
                r = root(v)
            b = (momentum * b + g / r).astype(b.dtype)
            return ((-lr * b).astype(g.dtype), v, b, *m)

        trees = (grads, state.square_avg, state.momentum, *((state.grad_avg,) if centered else ()))
        updates, v, b, *m = map_leaves(leaf, len(trees), *trees)
        return updates, RmspropState(next_count(state.count), v, b, m[0] if centered else ())

    return optax.GradientTransformation(init, update)
