"""Explored values written into the optimizer state, where an optimizer keeps its own copy.

A hyperparameter usually lives only in the trial's ``hparams`` (the optimizer is rebuilt from
them every step), so PBT's explore is a write there. A hypergradient optimizer
(:func:`~jaxscape.optim.sgd_hd`, :func:`~jaxscape.optim.adam_hd`) *learns* its rate and keeps
it in its state (a field listed in the state class's ``EXPOSED``); its ``learning_rate``
hyperparameter is only the initial rate. A clone copies its parent's state, learned rate
included, so without this write an explored ``learning_rate`` would never be used. Here the
clone's state field is set to its explored value: the clone restarts its rate from there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def _exposes(node: Any) -> bool:
    return bool(getattr(type(node), "EXPOSED", ()))


def write_exposed(state: Any, rows: np.ndarray, values: Mapping[str, np.ndarray]) -> Any:
    """``state`` (a :class:`~jaxscape.population.snapshot.PopulationState`) with every
    ``EXPOSED`` optimizer-state field named in ``values`` set to ``values[name][i]`` for the
    members ``i`` where ``rows`` (``[N]`` bool) is true; unchanged when nothing exposes them.

    Example:
      >>> import jax.numpy as jnp, numpy as np, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(2))
      >>> res = js.sweep(prob, js.optim.sgd_hd, {"learning_rate": [0.1, 0.1]}, steps=3,
      ...                keep_state=True, progress=False)
      >>> new = write_exposed(res.state, np.array([False, True]), {"learning_rate": [0, 0.5]})
      >>> np.round(np.asarray(new.trials.opt_state.learning_rate), 4).tolist()[1]
      0.5
    """
    mask = jnp.asarray(np.asarray(rows, bool))
    if not bool(np.any(rows)):
        return state

    def rewrite(node: Any) -> Any:
        if not _exposes(node):
            return node
        changes = {}
        for name in type(node).EXPOSED:
            if name in values:
                old = getattr(node, name)
                new = jnp.asarray(np.asarray(values[name]), old.dtype)
                changes[name] = jnp.where(mask, new, old)
        return node._replace(**changes) if changes else node

    opt = jax.tree.map(rewrite, state.trials.opt_state, is_leaf=_exposes)
    return dataclasses.replace(state, trials=state.trials._replace(opt_state=opt))
