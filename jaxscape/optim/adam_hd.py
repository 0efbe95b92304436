"""Adam-HD: Adam whose learning rate follows its hypergradient."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import optax

from jaxscape.optim._common import Scalar, bias_correction, step_number
from jaxscape.optim.adam import adam
from jaxscape.optim.hypergradient import HypergradientState, hypergradient_descent


def adam_hd(
    learning_rate: Scalar = 1e-3,
    hypergrad_lr: Scalar = 1e-7,
    b1: Scalar = 0.9,
    b2: Scalar = 0.999,
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
) -> optax.GradientTransformation:
    r"""Adam-HD (Baydin et al., 2018): :func:`~jaxscape.optim.adam` with a learned rate.

    With gradient :math:`g_t` of step :math:`t = 1, 2, \dots`, initial rate :math:`\alpha_0`,
    hypergradient rate :math:`\beta` and weight decay :math:`\lambda`, starting from
    :math:`m_0 = v_0 = 0` and :math:`d_0 = 0`:

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1} \\
        \alpha_t &= \alpha_{t-1} + \beta \, g_t \cdot d_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
            v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        d_t &= \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}, \qquad
            \hat m_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat v_t = \frac{v_t}{1 - \beta_2^t} \\
        \theta_t &= \theta_{t-1} - \alpha_t d_t

    :math:`\beta = 0` is :func:`~jaxscape.optim.adam` at the rate :math:`\alpha_0` (bit for
    bit). The rate is in the state (:class:`HypergradientState`) and may become negative, as
    in the paper. :math:`d_t` is kept in the state (one more buffer shaped like the
    parameters), so the hypergradient is one pass over :math:`g_t` and :math:`d_{t-1}`, and
    :math:`d_{t-1}` is the direction really taken even if :math:`\beta_1, \beta_2, \epsilon`
    are edited between steps. Recomputing it from :math:`m_{t-1}, v_{t-1}` instead (as the
    authors' code does) saves the buffer but made a training step about a quarter slower on a
    CPU (``benchmarks/RESULTS.md``).

    This is Algorithm 3 of the paper. The authors' ``AdamHD``
    (github.com/gbaydin/hypergradient-descent) differs in four places: it recomputes
    :math:`d_{t-1}` (above); it updates the rate tensor by tensor inside its loop over
    parameters (each tensor's :math:`g \cdot d` moves the rate before the next tensor's step)
    where the paper, and this function, take one dot product over all parameters; it adds
    :math:`\epsilon` to the uncorrected :math:`\sqrt{v}`
    (torch's Adam of 2017: :math:`d_t = \hat m_t / (\sqrt{\hat v_t} + \epsilon /
    \sqrt{1 - \beta_2^t})`), here after the correction as torch's Adam now; and its default
    :math:`\beta` is :math:`10^{-8}` (here :math:`10^{-7}`, the paper's value).

    Args:
      learning_rate: :math:`\alpha_0 \ge 0` (a number or array; not a schedule, the rate is
        learned).
      hypergrad_lr: :math:`\beta \ge 0`.
      b1: :math:`\beta_1 \in [0, 1)`.
      b2: :math:`\beta_2 \in [0, 1)`.
      eps: :math:`\epsilon > 0`.
      weight_decay: :math:`\lambda \ge 0`, coupled (added to the gradient, before the
        hypergradient, as the authors' code).

    Returns:
      An ``optax.GradientTransformation`` with state :class:`HypergradientState` (``inner``
      an :class:`~jaxscape.optim.AdamState`, ``direction`` the last :math:`d_t`).

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> opt = jo.adam_hd(0.1, hypergrad_lr=0.01)
      >>> params = jnp.array([1.0, -2.0])
      >>> state = opt.init(params)
      >>> for _ in range(2):  # the first step is -0.1 * sign(g): d_1 = (1, -1)
      ...     updates, state = opt.update(params, state, params)
      ...     params = params + updates
      >>> round(float(state.learning_rate), 6)  # 0.1 + 0.01 * (0.9 * 1 + (-1.9) * (-1))
      0.128
    """

    def make_inner(rate: Any) -> optax.GradientTransformation:
        return adam(rate, b1=b1, b2=b2, eps=eps)

    def previous_direction(state: HypergradientState) -> Any:
        return state.direction

    def next_direction(grads: Any, state: HypergradientState, inner: Any) -> Any:
        # adam's own expressions, so the compiler computes m / (sqrt(v) / c2 + eps) once
        t = step_number(state.inner.count)
        bc1 = bias_correction(1 - b1, t)
        bc2_sqrt = jnp.sqrt(bias_correction(1 - b2, t))
        return jax.tree.map(
            lambda m, v: ((m / (jnp.sqrt(v) / bc2_sqrt + eps)) / bc1).astype(m.dtype),
            inner.mu,
            inner.nu,
        )

    return hypergradient_descent(
        make_inner,
        previous_direction,
        learning_rate,
        hypergrad_lr,
        weight_decay,
        "adam_hd",
        next_direction,
    )
