"""Run and read a ramp range test (one run; the value grows every step or epoch)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxscape.population.sweep import sweep
from jaxscape.problem import Problem
from jaxscape.tune._common import split_initial, without_test
from jaxscape.tune._options import object_of
from jaxscape.tune._resume import next_checkpoint
from jaxscape.tune.range_tests._scale import interpolate
from jaxscape.tune.range_tests.ramp import Ramp
from jaxscape.tune.range_tests.result import RampRangeTest
from jaxscape.tune.range_tests.smoothing import ema, stop_index
from jaxscape.tune.range_tests.suggest import RULES, prepare_curve, suggest


@dataclass(frozen=True)
class RampReading:
    """How a finished ramp's curve is read (built once per ramp: :meth:`RampRun.reading`).

    Attributes:
      metric: the metric smoothed and read (``"train_loss"`` or ``"val_loss"``).
      beta: EMA smoothing of the metric (resolved: a number).
      bias_correction, stop_factor, rule, spacing, skip_start, skip_end, rules: as
        :class:`~jaxscape.tune.Ramp`'s.
      scale: the value's scale (what ``steepest`` with ``spacing="log"`` differentiates over).
    """

    metric: str
    beta: float
    bias_correction: bool
    stop_factor: float
    rule: str
    spacing: str
    skip_start: int | None
    skip_end: int
    scale: str = "log"
    rules: tuple[str, ...] = RULES


@dataclass(frozen=True)
class RampRun:
    """One ramp range test: what grows, from where to where, and how its curve is read.

    Attributes:
      param: the hyperparameter that follows the ramp.
      start: its value at the first point; ``end`` at the last (point ``num - 1``).
      num: the ramp's points (steps or epochs, as ``ramp.every`` says).
      scale: the value's scale (:mod:`jaxscape.tune.range_tests._scale`).
      metric: the metric read (``"train_loss"`` or ``"val_loss"``).
      ramp: the ramp's shape and reading rules.
    """

    param: str
    start: float
    end: float
    num: int
    scale: str
    metric: str
    ramp: Ramp

    def reading(self) -> RampReading:
        """The ramp's reading rules, ``beta`` resolved (0.98 per step, none per epoch)."""
        r = self.ramp
        beta = (0.98 if r.every == "step" else 0.0) if r.beta is None else r.beta
        return RampReading(metric=self.metric, beta=beta, scale=self.scale, **r.reading())

    def settings(self) -> dict[str, Any]:
        """The run's settings recorded in its result (beside the reading's)."""
        return {
            "ramp": self.ramp.shape,
            "every": self.ramp.every,
            "start": self.start,
            "end": self.end,
            "num": self.num,
        }


def ramp_values(start: float, end: float, num: int, shape: str, scale: str = "log") -> Callable:
    """``index -> value`` going from ``start`` (index 0) to ``end`` (index ``num - 1``).

    ``"exponential"`` is linear in the scale's coordinate (:func:`jaxscape.tune.range_tests._scale.
    interpolate`: geometric for a learning rate, geometric in the effective step multiplier
    ``1 / (1 - m)`` for a momentum); ``"linear"`` is linear in the value.

    Example:
      >>> f = ramp_values(1e-3, 1e-1, 3, "exponential")
      >>> [round(float(f(i)), 6) for i in range(3)]
      [0.001, 0.01, 0.1]
    """
    span = max(num - 1, 1)
    curve = "linear" if shape == "linear" else scale

    def value(index):
        frac = jnp.clip(jnp.asarray(index, jnp.float32) / span, 0.0, 1.0)
        return interpolate(start, end, frac, curve)

    return value


@dataclass(frozen=True)
class RampSchedule:
    """A ramp as the sweep's schedule ``count -> value``: ``ramp_values(start, end, num, shape,
    scale)`` at point ``count // per`` (``per`` steps per point).

    A value, not a closure: two ramps with the same fields are equal and hash alike, so a
    second ramp in one process reuses the first one's compiled programs (the sweep keys a
    schedule column by the object).

    Example:
      >>> s = RampSchedule(1e-3, 1e-1, 3, "exponential", "log", per=2)
      >>> [round(float(s(c)), 6) for c in (0, 2, 4)]
      [0.001, 0.01, 0.1]
      >>> s == RampSchedule(1e-3, 1e-1, 3, "exponential", "log", per=2)
      True
    """

    start: float
    end: float
    num: int
    shape: str
    scale: str
    per: int = 1

    def values(self, index: Any) -> Any:
        """The ramp's value at point ``index`` (:func:`ramp_values`)."""
        return ramp_values(self.start, self.end, self.num, self.shape, self.scale)(index)

    def __call__(self, count: Any) -> Any:
        return self.values(count // self.per)


def recording_end(smoothed: np.ndarray, stop_factor: float) -> int | None:
    """Index of the last point fastai's ``lr_find`` records, ``None`` for the whole ramp.

    fastai's ``LRFinder`` updates its best smoothed loss when the new one is lower, then cancels
    the fit after a batch whose smoothed loss exceeds ``stop_factor`` times the best; that batch
    is recorded. A NaN smoothed loss compares false both times, so it never stops the ramp:
    fastai then records to the ramp's end, trims ``[num_it // 10 : -5]`` of the whole
    recording, and only then cuts at the first NaN. (An infinite loss does stop it.) The
    divergence point reported by :func:`jaxscape.tune.range_tests.smoothing.stop_index` also counts
    a NaN; this is only where the recording, and so the trimming, ends.

    Example:
      >>> recording_end(np.array([3.0, 2.0, 1.0, 3.5, np.nan]), 4.0) is None
      True
      >>> recording_end(np.array([3.0, 2.0, 1.0, 3.5, np.inf]), 4.0)
      4
    """
    x = np.asarray(smoothed, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        best = np.fmin.accumulate(x)  # the best so far; NaN only before any number
        above = np.flatnonzero(x > stop_factor * best)
    return int(above[0]) if above.size else None


def analyse_ramp(
    param: str,
    values: np.ndarray,
    steps: np.ndarray,
    curves: dict[str, np.ndarray],
    initial: dict[str, float],
    *,
    reading: RampReading | None = None,
    settings: Mapping[str, Any],
    fixed: Mapping[str, Any] | None = None,
    info: dict | None = None,
    **options: Any,
) -> RampRangeTest:
    """Smooth, stop and read the suggestions of a finished ramp (pure).

    Args:
      values: ``[N]`` the ramp's values; ``steps`` ``[N]``; ``curves`` ``{metric: [N]}``.
      reading: how the curve is read (:class:`RampReading`).
      settings: the run's settings, recorded with the reading's.
      **options: shortcuts: the fields of ``reading`` by name (``metric=``, ``beta=``,
        ``rule=``...), overriding those of ``reading``.
    """
    r = object_of("analyse_ramp", RampReading, reading, options)
    metric, beta, bias_correction, stop_factor = r.metric, r.beta, r.bias_correction, r.stop_factor
    spacing, skip_start, skip_end, scale = r.spacing, r.skip_start, r.skip_end, r.scale
    values = np.asarray(values, dtype=np.float64)
    losses = np.asarray(curves[metric], dtype=np.float64)
    smoothed = ema(losses, beta, bias_correction)
    stop = stop_index(smoothed, stop_factor)
    x, y = prepare_curve(
        values, smoothed, recording_end(smoothed, stop_factor), skip_start, skip_end
    )
    suggestions = {
        name: suggest(x, y, name, spacing, scale=scale) if x.size >= 2 else float("nan")
        for name in r.rules
    }
    return RampRangeTest(
        param=param,
        values=values,
        steps=np.asarray(steps),
        losses=losses,
        smoothed=smoothed,
        metric=metric,
        curves={k: np.asarray(v, dtype=np.float64) for k, v in curves.items()},
        stop=stop,
        divergence=None if stop is None else float(values[stop]),
        suggestions=suggestions,
        rule=r.rule,
        suggestion=suggestions.get(r.rule, float("nan")),
        settings={
            **dict(settings),
            "beta": beta,
            "bias_correction": bias_correction,
            "stop_factor": stop_factor,
            "spacing": spacing,
            "skip_start": skip_start,
            "skip_end": skip_end,
            "scale": scale,
        },
        initial=dict(initial),
        fixed=dict(fixed or {}),
        info=dict(info or {}),
    )


def run_ramp(
    prob: Problem,
    factory: Callable[..., Any],
    run: RampRun,
    *,
    fixed: Mapping[str, Any],
    batch_size: int | None,
    seed: int,
    progress: bool,
) -> RampRangeTest:
    """Train one run whose ``run.param`` follows the ramp, then analyse it with its rules.

    ``factory`` must accept ``run.param`` as a schedule ``count -> value`` (a callable is a
    static entry of the sweep table).
    """
    num, ramp = run.num, run.ramp
    per = 1 if ramp.every == "step" else prob.steps_per_epoch(batch_size)
    schedule = RampSchedule(run.start, run.end, num, ramp.shape, run.scale, per)
    res = sweep(
        without_test(prob),
        factory,
        {**fixed, run.param: schedule},
        steps=num * per,
        batch_size=batch_size,
        seed=seed,
        eval_every=per,
        checkpoint=next_checkpoint("ramp"),
        progress=progress,
        record_initial=True,
    )
    initial, curves = split_initial(res.metrics)
    return analyse_ramp(
        run.param,
        np.asarray(schedule.values(np.arange(num)), dtype=np.float64),
        res.steps[1:],
        {k: v[0] for k, v in curves.items()},
        initial,
        reading=run.reading(),
        settings=run.settings(),
        fixed={k: v for k, v in fixed.items() if isinstance(v, int | float | bool | str)},
        info=res.info,
    )
