"""Live records: what a sweep hands its ``on_record`` hook each time a record reaches the host.

A sweep records every trial's metrics on the device every ``eval_every`` steps; each record
window's ``[n]`` values reach the host as one :class:`RecordEvent` — the step, the column of
the result's ``[T]`` axis it fills, which trials (a chunk holds a subset of them), their
metrics, their hyperparameters and whether they have diverged. Loggers
(:mod:`jaxscape.loggers`), progress, pruning and checkpoints are consumers of these events.

:func:`events_from_result` replays a finished :class:`~jaxscape.population.result.SweepResult`
as the same events, in column order: a result can be logged after the fact with the very
objects that watch a live sweep.

Example:
  >>> import jax.numpy as jnp, jaxscape as js
  >>> from jaxscape.population.record import events_from_result
  >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
  >>> res = js.sweep(prob, js.optim.sgd, js.grid(learning_rate=[0.1, 0.5]),
  ...                steps=20, eval_every=10, progress=False)
  >>> [(e.step, e.column, e.trials.tolist()) for e in events_from_result(res)]
  [(10, 0, [0, 1]), (20, 1, [0, 1])]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from jaxscape.population.result import SweepResult

__all__ = ["OnRecord", "RecordEvent", "events_from_result"]


@dataclass(frozen=True)
class RecordEvent:
    """One record of some trials, as it reaches the host.

    Attributes:
      step: the step count of this record (the value of ``SweepResult.steps[column]``).
      column: the index of this record in the result's ``[T]`` axis.
      trials: ``[n]`` int, the original trial indices of these rows (all ``N`` trials, or the
        subset a chunk holds), so row ``i`` is trial ``trials[i]`` of the result.
      metrics: ``{name: [n]}`` float, each trial's value at this record (NaN once diverged).
      hyperparams: ``{name: [n]}`` these trials' values of every column of the trial table,
        ``"seed"`` included.
      diverged: ``[n]`` bool, whether each trial has diverged by this record.
    """

    step: int
    column: int
    trials: np.ndarray
    metrics: dict[str, np.ndarray]
    hyperparams: Mapping[str, np.ndarray]
    diverged: np.ndarray

    @property
    def n(self) -> int:
        """How many trials this event holds."""
        return int(np.shape(self.trials)[0])

    def rows(self) -> Iterator[tuple[int, dict[str, float], dict[str, float | int]]]:
        """``(trial, {metric: value}, {hyperparameter: value})`` for each row, as Python
        numbers (what a tracker's API takes)."""
        for i, trial in enumerate(np.asarray(self.trials).tolist()):
            metrics = {k: float(v[i]) for k, v in self.metrics.items()}
            hyper = {k: np.asarray(v)[i].item() for k, v in self.hyperparams.items()}
            yield int(trial), metrics, hyper


#: The hook's type: called once per record window with that window's event.
OnRecord = Callable[[RecordEvent], None]


def events_from_result(result: SweepResult) -> Iterator[RecordEvent]:
    """Replay a finished result as the events a live sweep would have handed its hook.

    One event per column of ``result.steps`` (in order), each holding every trial. A trial
    counts as diverged at a record when it diverged at or before that step
    (``0 <= diverged_at <= step``), or — where the step is unknown — when it ended diverged
    and its metrics are no longer finite.
    """
    n = result.n_trials
    trials = np.arange(n, dtype=np.int64)
    diverged_at = np.asarray(result.diverged_at)
    for column, step in enumerate(np.asarray(result.steps).tolist()):
        metrics = {k: np.asarray(v[:, column]) for k, v in result.metrics.items()}
        known = (diverged_at >= 0) & (diverged_at <= step)
        yield RecordEvent(
            step=int(step),
            column=column,
            trials=trials,
            metrics=metrics,
            hyperparams=dict(result.hyperparams),
            diverged=known | _lost(result.diverged, diverged_at, metrics),
        )


def _lost(diverged: np.ndarray, diverged_at: np.ndarray, metrics: dict) -> np.ndarray:
    """``[n]`` trials that ended diverged at an unknown step and whose values here are
    all non-finite."""
    unknown = np.asarray(diverged, dtype=bool) & (diverged_at < 0)
    if not metrics:
        return unknown & False
    finite = np.zeros_like(unknown)
    for values in metrics.values():
        finite |= np.isfinite(values)
    return unknown & ~finite
