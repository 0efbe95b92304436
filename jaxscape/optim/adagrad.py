"""Adagrad with learning-rate decay and weight decay (torch Adagrad)."""

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
)


class AdagradState(NamedTuple):
    """State of :func:`adagrad`.

    Attributes:
      count: int32 ``[]``, updates applied so far.
      sum_of_squares: the accumulator ``s``, shaped like the parameters.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> state = jo.adagrad(initial_accumulator_value=0.5).init({"w": jnp.ones(2)})
      >>> int(state.count), state.sum_of_squares["w"].tolist()
      (0, [0.5, 0.5])
    """

    count: jax.Array
    sum_of_squares: Any


def adagrad(
    learning_rate: ScalarOrSchedule = 0.01,
    initial_accumulator_value: Scalar = 0.0,
    eps: Scalar = 1e-10,
    lr_decay: Scalar = 0.0,
    weight_decay: Scalar = 0.0,
) -> optax.GradientTransformation:
    r"""Adagrad, exactly as ``torch.optim.Adagrad``.

    With step :math:`t = 1, 2, \dots`, learning rate :math:`\eta`, decay :math:`\kappa`
    (``lr_decay``), weight decay :math:`\lambda` and :math:`s_0 =` ``initial_accumulator_value``:

    .. math::

        g_t &\leftarrow g_t + \lambda p_{t-1} \\
        \tilde\eta_t &= \eta / (1 + (t - 1)\kappa) \\
        s_t &= s_{t-1} + g_t^2 \\
        p_t &= p_{t-1} - \tilde\eta_t \, g_t / (\sqrt{s_t} + \epsilon)

    Differences from ``optax.adagrad``: optax starts the accumulator at 0.1 (torch: 0), puts
    :math:`\epsilon = 10^{-7}` inside the square root (torch: :math:`10^{-10}` outside) and has
    no ``lr_decay`` or weight decay.

    TensorFlow 1.x convention (``tf.train.AdagradOptimizer``): the accumulator starts at
    :math:`s_0 = 0.1` and there is no :math:`\epsilon` (:math:`p_t = p_{t-1} - \eta g_t /
    \sqrt{s_t}`); ``adagrad(lr, initial_accumulator_value=0.1)`` is that rule up to the
    :math:`\epsilon = 10^{-10}` added to :math:`\sqrt{s_t} \ge \sqrt{0.1}`, a relative
    difference below :math:`4 \cdot 10^{-10}`. Torch's default :math:`s_0 = 0` makes the first
    step :math:`-\eta \operatorname{sign}(g_1)`; TF's damps it to :math:`-\eta g_1 /
    \sqrt{0.1 + g_1^2}`.

    Args:
      learning_rate: :math:`\eta \ge 0`, or a schedule ``count -> value`` (then ``lr_decay``
        applies on top of it).
      initial_accumulator_value: :math:`s_0 \ge 0`.
      eps: :math:`\epsilon > 0`.
      lr_decay: :math:`\kappa \ge 0`.
      weight_decay: :math:`\lambda \ge 0`, coupled (added to the gradient).

    Returns:
      An ``optax.GradientTransformation`` with state :class:`AdagradState`.

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> opt = jo.adagrad(0.5)
      >>> params = jnp.array([1.0, 2.0])
      >>> updates, _ = opt.update(jnp.array([2.0, -0.1]), opt.init(params), params)
      >>> updates.tolist()  # the first step moves every coordinate by -lr * sign(g)
      [-0.5, 0.5]
    """
    check_learning_rate(learning_rate)
    check_hyperparameter("initial_accumulator_value", initial_accumulator_value)
    check_hyperparameter("eps", eps, low_open=True)
    check_hyperparameter("lr_decay", lr_decay)
    check_hyperparameter("weight_decay", weight_decay)

    def init(params: Any) -> AdagradState:
        acc = jax.tree.map(lambda p: jnp.full_like(p, initial_accumulator_value), params)
        return AdagradState(count=zero_count(), sum_of_squares=acc)

    def update(grads: Any, state: AdagradState, params: Any = None) -> tuple[Any, AdagradState]:
        grads = coupled_weight_decay(grads, params, weight_decay, "adagrad")
        lr = learning_rate_at(learning_rate, state.count)
        clr = lr / (1 + state.count * lr_decay)

        def leaf(g, s):
            s = (s + g * g).astype(s.dtype)
            return (-clr * (g / (jnp.sqrt(s) + eps))).astype(g.dtype), s

        updates, acc = map_leaves(leaf, 2, grads, state.sum_of_squares)
        return updates, AdagradState(count=next_count(state.count), sum_of_squares=acc)

    return optax.GradientTransformation(init, update)
