"""Exact training metrics of continued trials *after* their last step.

A sweep's ``train_*`` record is the mean of the training losses seen over a window, each
measured on the parameters *before* that step's update: the window of a one-step rung is the
loss at the rung's start, identical for every configuration of a fresh bracket. Ranking a rung
needs the metrics where the rung ends, :math:`f(\\theta_{r_i})`, which depend only on the
parameters reached, so a survivor continued rung by rung reports what an uninterrupted run of
:math:`r_i` steps reaches.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from jaxscape.evaluation import evaluate_split
from jaxscape.problem import Problem


def end_train_metrics(prob: Problem, state: Any, batch_size: int = 1024) -> dict[str, np.ndarray]:
    """``{"train_<m>": [N]}``: exact metrics over the whole training split of the ``N`` trials
    of ``state`` (a :class:`~jaxscape.population.snapshot.PopulationState`), NaN where a trial's
    parameters are not finite.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(2))
      >>> res = js.sweep(prob, js.optim.sgd, {"learning_rate": [0.5]}, steps=1,
      ...                keep_state=True, progress=False)
      >>> float(end_train_metrics(prob, res.state)["train_loss"][0])  # 0.5 * 2 * 0.5**2
      0.25
    """
    trials = state.trials
    train = prob.data.train if prob.data is not None else None
    x = None if train is None else train.x
    y = None if train is None else train.y
    out = _program(prob, batch_size)(trials.params, trials.model_state, x, y)
    return {f"train_{k}": np.asarray(v, np.float64) for k, v in out.items()}


#: ``id(problem), batch size -> (problem, jitted evaluation)``: one program per problem, reused
#: by every rung (the problem is kept alive so that its id is not reused).
_PROGRAMS: dict[tuple[int, int], tuple[Problem, Any]] = {}


def _program(prob: Problem, batch_size: int) -> Any:
    key = (id(prob), batch_size)
    if key not in _PROGRAMS:
        if len(_PROGRAMS) >= 8:
            _PROGRAMS.pop(next(iter(_PROGRAMS)))

        @jax.jit
        def run(params, model_state, x, y):
            return jax.vmap(lambda p, s: evaluate_split(prob, p, s, x, y, batch_size))(
                params, model_state
            )

        _PROGRAMS[key] = (prob, run)
    return _PROGRAMS[key][1]
