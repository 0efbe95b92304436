"""SGD whose momentum follows a schedule ``count -> momentum`` (for the momentum ramp test).

:func:`jaxscape.optim.sgd` takes a fixed momentum; a momentum range test by ramp needs one that
changes every step. The rule is torch's SGD with the step's momentum :math:`\\mu_t`:
:math:`b_1 = g_1`, :math:`b_t = \\mu_t b_{t-1} + g_t`, :math:`p_t = p_{t-1} - \\eta_t b_t`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

from jaxscape._checks import check_callable
from jaxscape.optim import SgdState
from jaxscape.optim._common import (
    ScalarOrSchedule,
    check_learning_rate,
    learning_rate_at,
    map_leaves,
    next_count,
    zero_count,
    zeros_like_tree,
)


def sgd_momentum_schedule(
    learning_rate: ScalarOrSchedule, momentum: Callable[[jax.Array], Any]
) -> optax.GradientTransformation:
    """SGD with heavy-ball momentum :math:`\\mu_t` = ``momentum(count)`` (torch's rule per step).

    Args:
      learning_rate: a rate ``>= 0`` or a schedule ``count -> rate``.
      momentum: a schedule ``count -> momentum in [0, 1)`` (``count`` = updates applied so far).

    Returns:
      An ``optax.GradientTransformation`` with :class:`jaxscape.optim.SgdState`.

    Example:
      >>> import jax.numpy as jnp, optax
      >>> opt = sgd_momentum_schedule(0.1, lambda t: jnp.where(t < 1, 0.0, 0.5))
      >>> p, s = jnp.zeros(1), opt.init(jnp.zeros(1))
      >>> for _ in range(2):
      ...     u, s = opt.update(jnp.ones(1), s, p)
      ...     p = optax.apply_updates(p, u)
      >>> round(float(p[0]), 6)   # -0.1 * 1, then -0.1 * (0.5 * 1 + 1)
      -0.25
    """
    check_learning_rate(learning_rate)
    check_callable("momentum", momentum)

    def init(params: Any) -> SgdState:
        return SgdState(count=zero_count(), momentum=zeros_like_tree(params))

    def update(grads: Any, state: SgdState, params: Any = None) -> tuple[Any, SgdState]:
        del params
        lr = learning_rate_at(learning_rate, state.count)
        mu = jnp.where(state.count == 0, 0.0, momentum(state.count))

        def leaf(g, b):
            b = (mu * b + g).astype(b.dtype)
            return (-lr * b).astype(g.dtype), b

        updates, buf = map_leaves(leaf, 2, grads, state.momentum)
        return updates, SgdState(count=next_count(state.count), momentum=buf)

    return optax.GradientTransformation(init, update)
