"""Stopping rules consulted at every record of a population: stop the hopeless trials early.

A pruner sees, at each record of a sweep, the judged metric of every trial recorded so far
(``history`` ``[N, c + 1]``, NaN where a trial has no value yet: a later chunk, or a trial
that diverged or was pruned) and returns which of the trials just recorded to stop. A stopped
trial is frozen on the device like a diverged one (its lane then costs nothing once the
population is compacted, see :func:`jaxscape.sweep`'s ``prune``) and marked *pruned*, not
diverged: ``SweepResult.pruned_at`` is the step of the record that stopped it, and its
metrics up to that record are kept (NaN after).

Rules (all compare the metric in its own direction: lower loss, higher accuracy is better):

- :class:`MedianStopping` (Golovin et al. 2017, Google Vizier; Optuna's ``MedianPruner``):
  stop a trial whose value at a record is worse than the median of every trial's value at that
  record.
- :class:`ASHA` (Li et al. 2020, "A System for Massively Parallel Hyperparameter Tuning"),
  synchronous inside one sweep: rungs at steps :math:`r_k = r_{min} \\eta^k`; at the first
  record at or past a rung, of the trials alive there, the best :math:`\\lceil n / \\eta
  \\rceil` go on.
- :class:`OptunaPruner`: any ``optuna.pruners.BasePruner`` (each sweep trial is an Optuna
  trial of a private in-memory study that its records are reported to).

A pruner keeps what it has seen of a sweep (ASHA the rungs each trial passed, the Optuna adapter
its study); :func:`jaxscape.sweep` works on a copy, so one pruner object serves many sweeps.

A population's trials run in chunks one after another, so a rule consulted for a chunk sees the
chunks before it complete and the ones after it not yet started: for them every rule is
asynchronous, as ASHA is by design.

Example:
  >>> import numpy as np
  >>> rule = MedianStopping(metric="val_loss", warmup_steps=0)
  >>> history = np.array([[1.0], [2.0], [3.0], [4.0]])
  >>> rule.decide(10, np.arange(4), history).tolist()
  [False, False, True, True]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from jaxscape.population.result import higher_is_better

__all__ = ["ASHA", "MedianStopping", "OptunaPruner", "Pruner"]


class Pruner(Protocol):
    """What :func:`jaxscape.sweep` consults at each record (``prune=``).

    ``metric`` names the judged metric (``None``: the sweep's default rule, validation first,
    never the test split); :meth:`decide` gets the record's step, the ``[n]`` trials just
    recorded and the metric's ``[N, c + 1]`` history and returns ``[n]`` bools: stop these.
    """

    metric: str | None

    def decide(self, step: int, trials: np.ndarray, history: np.ndarray) -> np.ndarray: ...


def _worse(values: np.ndarray, threshold: float, higher: bool) -> np.ndarray:
    return values < threshold if higher else values > threshold


@dataclass(frozen=True)
class MedianStopping:
    """Stop a trial whose value is worse than the median of the values at the same record.

    Attributes:
      metric: the judged metric (``None``: the sweep's default).
      warmup_steps: never stop before this step.
      min_trials: the median needs at least this many values at the record.
    """

    metric: str | None = None
    warmup_steps: int = 0
    min_trials: int = 4

    def decide(self, step: int, trials: np.ndarray, history: np.ndarray) -> np.ndarray:
        now = history[:, -1]
        known = now[np.isfinite(now)]
        values = now[trials]
        if step < self.warmup_steps or known.size < self.min_trials:
            return np.zeros(trials.shape, bool)
        higher = higher_is_better(self.metric or "")
        return np.isfinite(values) & _worse(values, float(np.median(known)), higher)


@dataclass(frozen=True)
class ASHA:
    """Synchronous successive halving inside one sweep.

    Attributes:
      metric: the judged metric (``None``: the sweep's default).
      min_steps: :math:`r_{min}`, the first rung's step.
      eta: :math:`\\eta`, the reduction factor: a rung keeps the best :math:`1 / \\eta`.
    """

    metric: str | None = None
    min_steps: int = 1
    eta: int = 3
    _seen: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.eta, int) or self.eta < 2:
            raise ValueError(f"ASHA: eta must be an integer >= 2, got {self.eta!r}")
        if not isinstance(self.min_steps, int) or self.min_steps < 1:
            raise ValueError(f"ASHA: min_steps must be a positive integer, got {self.min_steps!r}")

    def rung(self, step: int) -> int:
        """The highest rung ``k`` with :math:`r_{min} \\eta^k \\le` ``step`` (``-1``: none)."""
        return (
            -1 if step < self.min_steps else int(math.log(step / self.min_steps, self.eta) + 1e-9)
        )

    def decide(self, step: int, trials: np.ndarray, history: np.ndarray) -> np.ndarray:
        k = self.rung(step)
        out = np.zeros(trials.shape, bool)
        if k < 0:
            return out
        now = history[:, -1]
        alive = np.isfinite(now)
        higher = higher_is_better(self.metric or "")
        keep = math.ceil(int(alive.sum()) / self.eta)
        order = np.argsort(-now[alive] if higher else now[alive], kind="stable")
        threshold_trials = set(np.flatnonzero(alive)[order[:keep]].tolist())
        for j, trial in enumerate(trials.tolist()):
            if alive[trial] and trial not in threshold_trials and self._seen.get(trial) != k:
                out[j] = True
            self._seen[trial] = k
        return out


@dataclass
class OptunaPruner:
    """Any Optuna pruner, e.g. ``OptunaPruner(optuna.pruners.HyperbandPruner())``.

    Each trial of the sweep is a trial of a private in-memory study with the pruner; every
    record is reported (``trial.report(value, step)``) and ``trial.should_prune()`` decides.
    Optuna's rung-based pruners (``SuccessiveHalvingPruner``, ``HyperbandPruner``) compare
    running trials and act inside one population; its ``MedianPruner`` and
    ``PercentilePruner`` compare against *completed* trials only, which a population has none
    of until it ends: use :class:`MedianStopping` there.
    """

    pruner: Any
    metric: str | None = None
    _study: Any = None
    _trials: dict = field(default_factory=dict)

    def decide(self, step: int, trials: np.ndarray, history: np.ndarray) -> np.ndarray:
        import optuna

        if self._study is None:
            direction = "maximize" if higher_is_better(self.metric or "") else "minimize"
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            self._study = optuna.create_study(direction=direction, pruner=self.pruner)
        out = np.zeros(trials.shape, bool)
        for j, trial in enumerate(trials.tolist()):
            value = history[trial, -1]
            if not np.isfinite(value):
                continue
            t = self._trials.get(trial)
            if t is None:
                t = self._trials[trial] = self._study.ask()
            t.report(float(value), int(step))
            if t.should_prune():
                self._study.tell(t, state=optuna.trial.TrialState.PRUNED)
                out[j] = True
        return out
