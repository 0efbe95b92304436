"""Results of range tests: :class:`ParallelRangeTest` (one run per value) and
:class:`RampRangeTest` (one run whose value grows every step or epoch).

Both follow the result protocol of :mod:`jaxscape._result`: frozen dataclasses with
``save(path)`` / ``load(path)``, ``plot(path=None)``, ``to_dataframe()``, ``to_dict()`` and
``summary()``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jaxscape._frame import rows_frame
from jaxscape.tune._common import finite_or_none
from jaxscape.tune._store import Stored
from jaxscape.tune.range_tests.band import Band

PathLike = str | os.PathLike


@dataclass(frozen=True, eq=False)
class ParallelRangeTest(Stored, file="range_test"):
    """A range test run as one population: every value trained for the same budget.

    Training each value separately from the same initial weights and mini-batches separates the
    effect of the value from training progress (in a ramp, a later, larger rate also benefits
    from everything the earlier rates did).

    Attributes:
      param: the hyperparameter tested (``"learning_rate"``, ``"momentum"``, ...).
      values: ``[K]`` the tested values, ascending.
      steps: ``[T]`` the steps at which metrics were recorded.
      curves: ``{metric: [K, T]}`` every recorded metric of every run (NaN after divergence).
      metric: the metric the band rule scores (its final value; e.g. ``"val_accuracy"``).
      diverged: ``[K]`` the engine's divergence flag (non-finite or exploding loss).
      failed: ``[K]`` diverged, or (above the best value) lost more than half of the best run's
        improvement of the training loss — the collapse to chance at too large a rate.
      band: the good band and the choice (see :mod:`jaxscape.tune.range_tests.band`), ``None`` when
        every run failed.
      suggestion: the chosen value (``band.choice``; NaN when every run failed).
      divergence: the smallest value above the best that failed, ``None`` if none did.
      initial: exact metrics of the initial weights (``"train_loss"``, ``"val_accuracy"``...).
      fixed: the other hyperparameters every run shared.
      rule: the selection rule in words.
      info: the sweep's settings and timings.
      steps_per_epoch: optimizer steps per epoch (to draw curves against epochs).
      scale: the values' scale (``"log"``, ``"momentum"``, ``"linear"``;
        :mod:`jaxscape.tune.range_tests._scale`): the band's centre and the plot's axis.

    Example:
      >>> import tempfile, numpy as np
      >>> from jaxscape.tune.range_tests._run_parallel import analyse_parallel
      >>> loss = np.array([[2.0, 1.5], [2.0, 0.5], [2.0, 0.1], [2.0, np.nan]])   # [K, T]
      >>> t = analyse_parallel("learning_rate", np.array([0.01, 0.1, 1.0, 10.0]),
      ...     np.array([5, 10]), {"train_loss": loss}, np.isnan(loss[:, -1]),
      ...     {"train_loss": 2.0}, metric="train_loss", tolerance=0.5, scale="log")
      >>> print(t.summary())
      parallel learning_rate range test: 4 values in [0.01, 10], 10 steps each
      failed: 1 (1 diverged)
      band [0.1, 1] on train_loss, best 1
      suggestion 0.1, divergence 10
      >>> back = ParallelRangeTest.load(t.save(tempfile.mkdtemp() + "/lr"))
      >>> back.to_dataframe()["in_band"].tolist()
      [False, True, True, False]
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
    scale: str = "log"

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

    def to_dataframe(self):
        """One row per value: its final metrics, ``diverged``, ``failed`` and ``in_band``."""
        band = set() if self.band is None else set(np.asarray(self.band.indices).tolist())
        rows = [
            {
                self.param: float(v),
                **{k: float(c[i, -1]) for k, c in self.curves.items()},
                "diverged": bool(self.diverged[i]),
                "failed": bool(self.failed[i]),
                "in_band": i in band,
            }
            for i, v in enumerate(self.values)
        ]
        return rows_frame(rows, index=self.param)

    def summary(self) -> str:
        """The grid, the band, the choice and the divergence point in a few lines."""
        lines = [
            f"parallel {self.param} range test: {self.values.size} values in "
            f"[{self.values[0]:.3g}, {self.values[-1]:.3g}], {int(self.steps[-1])} steps each"
            if self.steps.size
            else f"parallel {self.param} range test: {self.values.size} values",
            f"failed: {int(self.failed.sum())} ({int(self.diverged.sum())} diverged)",
        ]
        if self.band is None:
            lines.append("no band: every run failed")
        else:
            b = self.band
            lines.append(f"band [{b.lo:.3g}, {b.hi:.3g}] on {self.metric}, best {b.best:.3g}")
        lines.append(f"suggestion {self.suggestion:.4g}, divergence {_fmt(self.divergence)}")
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class RampRangeTest(Stored, file="range_test"):
    """A range test run as one training run whose value increases every step (or epoch).

    Attributes:
      param: the hyperparameter ramped (``"learning_rate"``, ``"momentum"``, ...).
      values: ``[T]`` the value used at each recorded step (or epoch).
      steps: ``[T]`` the recorded steps.
      losses: ``[T]`` the raw curve of ``metric`` (mini-batch loss before each update for
        ``"train_loss"``), NaN after the engine froze a diverged run.
      smoothed: ``[T]`` the smoothed curve (:func:`jaxscape.tune.range_tests.smoothing.ema`).
      metric: ``"train_loss"`` (default) or ``"val_loss"``.
      curves: every recorded metric ``{name: [T]}``.
      stop: index where the smoothed loss first exceeded ``stop_factor`` times its best (the
        ramp's end), ``None`` if it never did.
      divergence: ``values[stop]``, or ``None``.
      suggestions: ``{rule: value}`` for every rule of :mod:`jaxscape.tune.range_tests.suggest` the
        test applies (the momentum preset leaves out the learning-rate rule ``"minimum"``).
      rule: the rule whose value is :attr:`suggestion`.
      suggestion: ``suggestions[rule]``.
      settings: ``ramp`` (exponential/linear), ``every`` (step/epoch), ``beta``,
        ``bias_correction``, ``stop_factor``, ``spacing``, ``skip_start``, ``skip_end``.
      initial: exact metrics of the initial weights.
      fixed: the other hyperparameters of the run.
      info: the sweep's settings and timings.

    Example:
      >>> import tempfile, numpy as np
      >>> from jaxscape.tune.range_tests._run_ramp import analyse_ramp
      >>> lrs = np.geomspace(1e-4, 1.0, 30)
      >>> loss = np.concatenate([np.linspace(2.3, 0.4, 24), [0.6, 1.2, 3, 9, 30, 90]])
      >>> r = analyse_ramp("learning_rate", lrs, np.arange(1, 31), {"train_loss": loss}, {},
      ...     metric="train_loss", beta=0.0, bias_correction=True, stop_factor=4.0,
      ...     rule="valley", spacing="log", skip_start=0, skip_end=0,
      ...     settings={"ramp": "exponential", "every": "step"})
      >>> print(r.summary())
      exponential learning_rate ramp over 30 steps from 0.0001 to 1
      stop (smoothed train_loss > 4x best): 0.3857
      suggestions: valley 0.00329, slide 0.001269, minimum 0.01487, steepest 0.0001
      suggestion (valley): 0.00329
      >>> RampRangeTest.load(r.save(tempfile.mkdtemp() + "/ramp")).stop
      26
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

    def to_dataframe(self):
        """One row per recorded point: step, value, raw and smoothed curve, every metric."""
        rows = [
            {
                "step": int(self.steps[i]),
                self.param: float(v),
                "loss": float(self.losses[i]),
                "smoothed": float(self.smoothed[i]),
                **{k: float(c[i]) for k, c in self.curves.items()},
            }
            for i, v in enumerate(self.values)
        ]
        return rows_frame(rows, index="step")

    def summary(self) -> str:
        """The ramp, where it stopped and every rule's suggestion in a few lines."""
        s = self.settings
        return "\n".join(
            [
                f"{s.get('ramp', '')} {self.param} ramp over {self.values.size} "
                f"{s.get('every', 'step')}s from {self.values[0]:.3g} to {self.values[-1]:.3g}",
                f"stop (smoothed {self.metric} > {s.get('stop_factor', 4.0):g}x best): "
                f"{_fmt(self.divergence)}",
                "suggestions: " + ", ".join(f"{k} {_fmt(v)}" for k, v in self.suggestions.items()),
                f"suggestion ({self.rule}): {_fmt(self.suggestion)}",
            ]
        )


def _fmt(value: float | None) -> str:
    value = finite_or_none(value)
    return "none" if value is None else f"{value:.4g}"
