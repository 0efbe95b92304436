"""Scalars an optimizer state offers to be recorded (a learned learning rate, say).

A state class lists the names of its scalar fields in a class attribute ``EXPOSED``; the
population engine records each as the metric ``opt_<name>`` (``[N, T]``, the value at the end
of every recording window), so a sweep shows, for instance, how hypergradient descent moved
each trial's rate.

>>> import jax.numpy as jnp
>>> import jaxscape.optim as jo
>>> state = jo.sgd_hd(0.1).init({"w": jnp.ones(2)})
>>> {k: round(float(v), 3) for k, v in jo.exposed_scalars(state).items()}
{'learning_rate': 0.1}
>>> jo.exposed_scalars(jo.sgd(0.1).init({"w": jnp.ones(2)}))
{}
"""

from __future__ import annotations

from typing import Any

import jax


def _exposes(node: Any) -> bool:
    return bool(getattr(type(node), "EXPOSED", ()))


def exposed_scalars(state: Any) -> dict[str, jax.Array]:
    """``{name: value}`` of every field listed in ``EXPOSED`` by a node of ``state``.

    The first node (in tree order) that exposes a name wins; values keep their shape (a
    scalar, or ``[N]`` for a stacked population).

    Example:
      >>> import jax.numpy as jnp
      >>> import jaxscape.optim as jo
      >>> opt = jo.adam_hd(1e-3, hypergrad_lr=1e-7)
      >>> list(exposed_scalars(opt.init(jnp.zeros(3))))
      ['learning_rate']
    """
    out: dict[str, jax.Array] = {}
    for node in jax.tree.leaves(state, is_leaf=_exposes):
        if _exposes(node):
            for name in type(node).EXPOSED:
                out.setdefault(name, getattr(node, name))
    return out
