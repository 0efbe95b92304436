"""SGD-HD and SGDN-HD: SGD (with momentum or Nesterov) whose rate follows its hypergradient."""

from __future__ import annotations

from typing import Any

import jax
import optax

from jaxscape.optim._common import Scalar, check_flag
from jaxscape.optim.hypergradient import HypergradientState, hypergradient_descent
from jaxscape.optim.sgd import sgd


def sgd_hd(
    learning_rate: Scalar,
    hypergrad_lr: Scalar = 1e-3,
    momentum: Scalar = 0.0,
    nesterov: bool = False,
    dampening: Scalar = 0.0,
    weight_decay: Scalar = 0.0,
) -> optax.GradientTransformation:
    r"""SGD-HD / SGDN-HD (Baydin et al., 2018): :func:`~jaxscape.optim.sgd` with a learned rate.

    With gradient :math:`g_t` of step :math:`t = 1, 2, \dots`, initial rate :math:`\alpha_0`,
    hypergradient rate :math:`\beta`, momentum :math:`\mu`, dampening :math:`\delta` and weight
    decay :math:`\lambda`, starting from :math:`d_0 = 0`:

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1} \\
        \alpha_t &= \alpha_{t-1} + \beta \, g_t \cdot d_{t-1} \\
        b_1 &= g_1, \qquad b_t = \mu b_{t-1} + (1 - \delta) g_t \quad (t > 1) \\
        d_t &= g_t + \mu b_t \ \text{(nesterov)}, \qquad d_t = b_t \ \text{(otherwise)} \\
        \theta_t &= \theta_{t-1} - \alpha_t d_t

    :math:`\mu = 0` is SGD-HD (:math:`d_t = g_t`), :math:`\mu > 0` SGDN-HD with classical or
    Nesterov momentum; :math:`\beta = 0` is :func:`~jaxscape.optim.sgd` at the rate
    :math:`\alpha_0`. The rate is in the state (:class:`HypergradientState`) and may become
    negative, as in the paper.

    This is the rule of the authors' ``SGDHD`` (github.com/gbaydin/hypergradient-descent):
    the same first step (:math:`h_1 = 0`), the same momentum buffer and weight decay (added to
    the gradient before the hypergradient). Differences: their rate is a host float64
    (here an array of the parameters' float precision, one per trial) and their code's default
    :math:`\beta` is :math:`10^{-6}` (here :math:`10^{-3}`, the paper's value for SGD-HD).

    Args:
      learning_rate: :math:`\alpha_0 \ge 0` (a number or array; not a schedule, the rate is
        learned).
      hypergrad_lr: :math:`\beta \ge 0`.
      momentum: :math:`\mu \in [0, 1)`.
      nesterov: Nesterov momentum (static); needs :math:`\mu > 0` and :math:`\delta = 0`.
      dampening: :math:`\delta \in [0, 1)`.
      weight_decay: :math:`\lambda \ge 0`, coupled (added to the gradient).

    Returns:
      An ``optax.GradientTransformation`` with state :class:`HypergradientState` (``inner``
      an :class:`~jaxscape.optim.SgdState`; ``direction`` kept only with ``nesterov``).

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> opt = jo.sgd_hd(0.1, hypergrad_lr=0.01)
      >>> params = jnp.array([1.0, -2.0])
      >>> state = opt.init(params)
      >>> for _ in range(2):  # f = |params|^2 / 2: the gradient is the parameters
      ...     updates, state = opt.update(params, state, params)
      ...     params = params + updates
      >>> round(float(state.learning_rate), 6)  # 0.1 + 0.01 * (0.9 * 1 + (-1.8) * (-2))
      0.145
    """
    nesterov = check_flag("nesterov", nesterov)

    def make_inner(rate: Any) -> optax.GradientTransformation:
        return sgd(rate, momentum=momentum, nesterov=nesterov, dampening=dampening)

    def previous_direction(state: HypergradientState) -> Any:
        return state.direction if nesterov else state.inner.momentum  # d = b without Nesterov

    def next_direction(grads: Any, state: HypergradientState, inner: Any) -> Any:
        return jax.tree.map(lambda g, b: (g + momentum * b).astype(g.dtype), grads, inner.momentum)

    return hypergradient_descent(
        make_inner,
        previous_direction,
        learning_rate,
        hypergrad_lr,
        weight_decay,
        "sgd_hd",
        next_direction if nesterov else None,
    )
