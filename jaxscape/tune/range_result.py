"""Results of range tests: :class:`ParallelRangeTest` (one run per value) and
:class:`RampRangeTest` (one run whose value grows every step or epoch)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jaxscape.tune._common import finite_or_none
from jaxscape.tune.band import Band

PathLike = str | os.PathLike


@dataclass
class ParallelRangeTest:
    """A range test run as one population: every value trained for the same budget.

    Training each value separately from the same initial weights and mini-batches separates the
    effect of the value from training progress (in a ramp, a later, larger rate also benefits
    from everything the earlier rates did).

    Attributes:
      param: ``"learning_rate"`` or ``"momentum"``.
      values: ``[K]`` the tested values, ascending.
      steps: ``[T]`` the steps at which metrics were recorded.
      curves: ``{metric: [K, T]}`` every recorded metric of every run (NaN after divergence).
      metric: the metric the band rule scores (its final value; e.g. ``"val_accuracy"``).
      diverged: ``[K]`` the engine's divergence flag (non-finite or exploding loss).
      failed: ``[K]`` diverged, or (above the best value) lost more than half of the best run's
        improvement of the training loss — the collapse to chance at too large a rate.
      band: the good band and the choice (see :mod:`jaxscape.tune.band`), ``None`` when every
        run failed.
      suggestion: the chosen value (``band.choice``; NaN when every run failed).
      divergence: the smallest value above the best that failed, ``None`` if none did.
      initial: exact metrics of the initial weights (``"train_loss"``, ``"val_accuracy"``...).
      fixed: the other hyperparameters every run shared.
      rule: the selection rule in words.
      info: the sweep's settings and timings.
      steps_per_epoch: optimizer steps per epoch (to draw curves against epochs).
    """

    param: str
    values: np.ndarray
    steps: np.ndarray
    curves: dict[str, np.ndarray]
    metric: str
    diverged: np.ndarray
    failed: np.ndarray
    band: Band | None
    suggestion: float
    divergence: float | None
    initial: dict[str, float]
    fixed: dict[str, Any]
    rule: str
    info: dict = field(default_factory=dict)
    steps_per_epoch: int = 1

    mode = "parallel"

    @property
    def epochs(self) -> np.ndarray:
        """``[T]`` the recorded steps in epochs."""
        return np.asarray(self.steps, dtype=np.float64) / max(self.steps_per_epoch, 1)

    def final(self, metric: str | None = None) -> np.ndarray:
        """``[K]`` the last recorded value of ``metric`` (default: the scored metric)."""
        return self.curves[metric or self.metric][:, -1]

    def plot(self, path: PathLike | None = None, *, title: str | None = None):
        """Final metric and training loss against the value, band and choice marked; and the
        validation curves of every run. Returns the figure (and writes a PNG to ``path``)."""
        from jaxscape.plot.tune import plot_parallel_range

        return plot_parallel_range(self, path=path, title=title)

    def to_dict(self) -> dict:
        """A JSON-ready summary (values, finals, band, suggestion, divergence, rule)."""
        return {
            "mode": "parallel",
            "param": self.param,
            "values": self.values.tolist(),
            "metric": self.metric,
            "final": {k: v[:, -1].tolist() for k, v in self.curves.items()},
            "diverged": self.diverged.tolist(),
            "failed": self.failed.tolist(),
            "band": None if self.band is None else self.band.to_dict(),
            "suggestion": finite_or_none(self.suggestion),
            "divergence": finite_or_none(self.divergence),
            "initial": self.initial,
            "fixed": self.fixed,
            "rule": self.rule,
            "steps": int(self.steps[-1]) if self.steps.size else 0,
        }


@dataclass
class RampRangeTest:
    """A range test run as one training run whose value increases every step (or epoch).

    Attributes:
      param: ``"learning_rate"`` or ``"momentum"``.
      values: ``[T]`` the value used at each recorded step (or epoch).
      steps: ``[T]`` the recorded steps.
      losses: ``[T]`` the raw curve of ``metric`` (mini-batch loss before each update for
        ``"train_loss"``), NaN after the engine froze a diverged run.
      smoothed: ``[T]`` the smoothed curve (:func:`jaxscape.tune.smoothing.ema`).
      metric: ``"train_loss"`` (default) or ``"val_loss"``.
      curves: every recorded metric ``{name: [T]}``.
      stop: index where the smoothed loss first exceeded ``stop_factor`` times its best (the
        ramp's end), ``None`` if it never did.
      divergence: ``values[stop]``, or ``None``.
      suggestions: ``{rule: value}`` for every rule of :mod:`jaxscape.tune.suggest` that applies
        (``"minimum"`` only for learning rates).
      rule: the rule whose value is :attr:`suggestion`.
      suggestion: ``suggestions[rule]``.
      settings: ``ramp`` (exponential/linear), ``every`` (step/epoch), ``beta``,
        ``bias_correction``, ``stop_factor``, ``spacing``, ``skip_start``, ``skip_end``.
      initial: exact metrics of the initial weights.
      fixed: the other hyperparameters of the run.
      info: the sweep's settings and timings.
    """

    param: str
    values: np.ndarray
    steps: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    metric: str
    curves: dict[str, np.ndarray]
    stop: int | None
    divergence: float | None
    suggestions: dict[str, float]
    rule: str
    suggestion: float
    settings: dict[str, Any]
    initial: dict[str, float]
    fixed: dict[str, Any]
    info: dict = field(default_factory=dict)

    mode = "ramp"

    def plot(self, path: PathLike | None = None, *, title: str | None = None):
        """Raw and smoothed loss against the value, stop and suggestions marked."""
        from jaxscape.plot.tune import plot_ramp_range

        return plot_ramp_range(self, path=path, title=title)

    def to_dict(self) -> dict:
        return {
            "mode": "ramp",
            "param": self.param,
            "metric": self.metric,
            "values": self.values.tolist(),
            "losses": self.losses.tolist(),
            "smoothed": self.smoothed.tolist(),
            "stop": self.stop,
            "divergence": finite_or_none(self.divergence),
            "suggestions": {k: finite_or_none(v) for k, v in self.suggestions.items()},
            "rule": self.rule,
            "suggestion": finite_or_none(self.suggestion),
            "settings": self.settings,
            "initial": self.initial,
            "fixed": self.fixed,
        }
