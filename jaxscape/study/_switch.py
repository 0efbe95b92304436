"""One optimizer factory that is any of several, chosen per trial by a numeric ``choice``.

A population needs one factory; racing different optimizers in one population therefore runs
all of them on every trial's gradient and applies the update of the trial's ``choice`` (an
index, a float so it can be a table column). Cheap for the 2-D test functions it serves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import optax


def one_of(
    specs: Sequence[tuple[Callable[..., optax.GradientTransformation], dict[str, Any]]],
) -> Callable[..., optax.GradientTransformation]:
    """``factory(learning_rate, choice)``: optimizer ``specs[int(choice)]`` at ``learning_rate``.

    >>> import jax.numpy as jnp, jaxscape.optim as jo
    >>> make = one_of([(jo.sgd, {}), (jo.adam, {})])
    >>> opt = make(learning_rate=0.1, choice=1.0)
    >>> p = jnp.zeros(1)
    >>> round(float(opt.update(jnp.array([5.0]), opt.init(p), p)[0][0]), 6)  # Adam: -lr
    -0.1
    """
    specs = tuple(specs)
    if not specs:
        raise ValueError("specs is empty")

    def factory(learning_rate: Any = 0.01, choice: Any = 0.0) -> optax.GradientTransformation:
        txs = [f(learning_rate=learning_rate, **kw) for f, kw in specs]
        index = jnp.round(jnp.asarray(choice)).astype(jnp.int32)

        def init(params):
            return tuple(tx.init(params) for tx in txs)

        def update(grads, state, params=None):
            outs = [tx.update(grads, s, params) for tx, s in zip(txs, state, strict=True)]
            chosen = outs[0][0]
            for i, (u, _) in enumerate(outs[1:], start=1):
                chosen = jax.tree.map(lambda a, b, i=i: jnp.where(index == i, b, a), chosen, u)
            return chosen, tuple(s for _, s in outs)

        return optax.GradientTransformation(init, update)

    return factory
