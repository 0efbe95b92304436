"""``PopulationState``: where every trial of a population stopped, to continue it exactly.

A sweep run with ``keep_state=True`` returns one in ``res.state``; ``js.sweep(...,
start=state)`` continues every trial (or a chosen subset, :meth:`PopulationState.take`) from
its own parameters, model state, optimizer state and divergence flags, at the step count where
it stopped, reading the mini-batches an uninterrupted run would have read. Successive halving's
survivors and population based training's members continue this way; an exploit is one gather
along the trial axis, on the device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxscape.population.state import TrialState


@jax.jit
def _gather(trials: TrialState, rows: jax.Array) -> TrialState:
    """Rows of every leaf, as one compiled call (eager indexing dispatches once per leaf)."""
    return jax.tree.map(lambda a: a[rows], trials)


@dataclass(frozen=True)
class PopulationState:
    """The state of ``N`` trials after ``step`` optimizer steps.

    Attributes:
      step: steps every trial has taken.
      seeds: ``[N]`` each trial's seed (its batch order and dropout stream continue from it).
      hyperparams: ``{name: [N]}`` the numeric hyperparameters the trials ran with.
      trials: a :class:`~jaxscape.population.state.TrialState` whose leaves carry a leading
        ``[N]`` axis, on the device.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(2))
      >>> first = js.sweep(prob, js.optim.sgd, {"learning_rate": [0.1, 0.5]}, steps=5,
      ...                  keep_state=True, progress=False)
      >>> more = js.sweep(prob, js.optim.sgd, {"learning_rate": [0.5]}, steps=5,
      ...                 start=first.state.take([1]), progress=False)
      >>> loss = float(more.metrics["train_loss"][0, -1])  # at p_9 = 0.5**9 * (1, 1)
      >>> more.steps.tolist()[-1], abs(loss - 0.5**18) < 1e-9
      (10, True)
    """

    step: int
    seeds: np.ndarray
    hyperparams: dict[str, np.ndarray]
    trials: TrialState

    @property
    def n(self) -> int:
        return int(self.seeds.shape[0])

    def take(self, rows: Any) -> PopulationState:
        """The trials ``rows`` (``[M]`` indices, repeats allowed), in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.ndim != 1 or (rows.size and (rows.min() < 0 or rows.max() >= self.n)):
            raise ValueError(f"rows must be 1-D indices in [0, {self.n}), got {rows.tolist()}")
        dev = jnp.asarray(rows)
        return PopulationState(
            step=self.step,
            seeds=self.seeds[rows],
            hyperparams={k: v[rows] for k, v in self.hyperparams.items()},
            trials=_gather(self.trials, dev),
        )

    def __repr__(self) -> str:
        return f"PopulationState({self.n} trials at step {self.step})"


def check_start(start: Any, n: int, seeds: np.ndarray, names: set[str]) -> PopulationState:
    """Validate ``start`` against a table of ``n`` trials with ``seeds`` and columns ``names``."""
    if not isinstance(start, PopulationState):
        raise TypeError(f"start must be a PopulationState (res.state), got {type(start).__name__}")
    if start.n != n:
        raise ValueError(f"start holds {start.n} trials but the table has {n}")
    if not np.array_equal(start.seeds, seeds):
        raise ValueError(
            "start's seeds differ from the table's: give no 'seed' column (the trials keep "
            "their own) or the same seeds"
        )
    if set(start.hyperparams) != names:
        raise ValueError(
            f"start ran with hyperparameters {sorted(start.hyperparams)}, the table has "
            f"{sorted(names)}; a continued run keeps the same columns (their values may change)"
        )
    return start
