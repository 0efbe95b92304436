"""Run and read a parallel range test (one population, one run per value)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from jaxscape.population.judging import Judging
from jaxscape.population.sweep import sweep
from jaxscape.problem import Problem
from jaxscape.tune._common import record_every, score, split_initial, without_test
from jaxscape.tune._options import object_of
from jaxscape.tune._resume import next_checkpoint
from jaxscape.tune.range_tests.band import select_band
from jaxscape.tune.range_tests.result import ParallelRangeTest

#: A run above the best value "failed" when its final training loss kept less than this
#: fraction of the best run's improvement over the initial loss (collapse to chance).
LOST_FRACTION = 0.5


@dataclass(frozen=True)
class ParallelReading:
    """How a finished parallel range test is read (built once per test).

    Attributes:
      metric: the metric the band scores (resolved: never ``None``).
      tolerance: how far below the best the band reaches (``None``: the metric's default,
        :meth:`jaxscape.Judging.band_tolerance`).
      scale: the values' scale (``"log"``, ``"momentum"``, ``"linear"``;
        :mod:`jaxscape.tune.range_tests._scale`): the band's centre.
    """

    metric: str
    tolerance: float | None
    scale: str


def analyse_parallel(
    param: str,
    values: np.ndarray,
    steps: np.ndarray,
    curves: dict[str, np.ndarray],
    diverged: np.ndarray,
    initial: dict[str, float],
    *,
    reading: ParallelReading | None = None,
    fixed: Mapping[str, Any] | None = None,
    info: dict | None = None,
    steps_per_epoch: int = 1,
    **options: Any,
) -> ParallelRangeTest:
    """Failures, band, choice and divergence point of a finished parallel test (pure).

    Args:
      values: ``[K]`` ascending values; ``curves`` ``{metric: [K, T]}`` must hold ``metric``
        and ``"train_loss"``; ``diverged`` ``[K]``; ``initial`` must hold ``"train_loss"``.
      reading: the metric, tolerance and scale the test is read with.
      **options: shortcuts: the fields of ``reading`` by name (``metric=``, ``tolerance=``,
        ``scale=``), overriding those of ``reading``.
    """
    reading = object_of("analyse_parallel", ParallelReading, reading, options)
    metric, tolerance, scale = reading.metric, reading.tolerance, reading.scale
    values = np.asarray(values, dtype=np.float64)
    final_train = np.asarray(curves["train_loss"][:, -1], dtype=np.float64)
    final = np.asarray(curves[metric][:, -1], dtype=np.float64)
    dead = np.asarray(diverged, bool) | ~np.isfinite(final_train) | ~np.isfinite(final)
    scores = np.where(dead, np.nan, score(metric, final))
    judging = Judging(metric=metric, tolerance=tolerance)
    finals = {metric: final}
    loss = judging.tie_breaker(metric, curves)
    if loss is not None:
        finals[loss] = np.asarray(curves[loss][:, -1], dtype=np.float64)
    ties = None if loss is None else judging.score(loss, finals[loss])
    failed = dead.copy()
    if np.any(~dead):
        best_i = judging.best_index(finals, ok=~dead)
        best_train = float(np.nanmin(np.where(dead, np.nan, final_train)))
        gain = float(initial["train_loss"]) - best_train
        limit = best_train + LOST_FRACTION * gain if gain > 0 else float(initial["train_loss"])
        above = np.arange(values.size) > best_i
        failed |= above & (final_train > limit)
        tolerance = judging.band_tolerance(metric, float(final[best_i]))
    elif tolerance is None:
        tolerance = 0.0
    band = select_band(values, scores, ~failed, tolerance=tolerance, scale=scale, ties=ties)
    divergence = None
    if band is not None:
        later = np.flatnonzero(failed & (values > band.best))
        divergence = float(values[later[0]]) if later.size else None
    elif failed.size:
        divergence = float(values[0])
    where = "log(lr)" if scale == "log" else "log(1/(1-momentum))" if scale == "momentum" else param
    rule = (
        f"band: the contiguous {param} values around the best whose final {metric} is within "
        f"{tolerance:.3g} of the best (failed runs excluded); choice: the band value nearest "
        f"the band's centre on a {where} scale. A run failed when it diverged or, above the "
        f"best value, kept less than {1 - LOST_FRACTION:.0%} of the best run's training-loss "
        "improvement; the divergence point is the smallest failed value above the best."
    )
    return ParallelRangeTest(
        param=param,
        values=values,
        steps=np.asarray(steps),
        curves={k: np.asarray(v) for k, v in curves.items()},
        metric=metric,
        diverged=np.asarray(diverged, bool),
        failed=failed,
        band=band,
        suggestion=float("nan") if band is None else band.choice,
        divergence=divergence,
        initial=dict(initial),
        fixed=dict(fixed or {}),
        rule=rule,
        info=dict(info or {}),
        steps_per_epoch=int(steps_per_epoch),
        scale=scale,
    )


def run_parallel(
    prob: Problem,
    factory: Callable[..., Any],
    param: str,
    values: np.ndarray,
    fixed: Mapping[str, Any],
    *,
    reading: ParallelReading,
    steps: int,
    batch_size: int | None,
    seed: int,
    progress: bool,
) -> ParallelRangeTest:
    """Train one run per value as a single population (without the test split) and analyse it
    as ``reading`` says."""
    table = {**fixed, param: np.asarray(values, dtype=np.float64)}
    spe = prob.steps_per_epoch(batch_size)
    res = sweep(
        without_test(prob),
        factory,
        table,
        steps=steps,
        batch_size=batch_size,
        seed=seed,
        eval_every=record_every(prob, batch_size, steps),
        checkpoint=next_checkpoint("range"),
        progress=progress,
        record_initial=True,
        pad=False,  # one population of this size: padding lanes would only cost compute
    )
    initial, curves = split_initial(res.metrics)
    return analyse_parallel(
        param,
        values,
        res.steps[1:],
        curves,
        res.diverged,
        initial,
        reading=reading,
        fixed={k: v for k, v in fixed.items() if isinstance(v, int | float | bool | str)},
        info=res.info,
        steps_per_epoch=spe,
    )
