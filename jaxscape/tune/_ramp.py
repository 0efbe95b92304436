"""Run and read a ramp range test (one run; the value grows every step or epoch)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxscape.population.sweep import sweep
from jaxscape.problem import Problem
from jaxscape.tune._common import initial_metrics, without_test
from jaxscape.tune._resume import next_checkpoint
from jaxscape.tune.range_result import RampRangeTest
from jaxscape.tune.smoothing import ema, stop_index
from jaxscape.tune.suggest import RULES, prepare_curve, steepest, suggest

SHAPES = ("exponential", "linear")
EVERY = ("step", "epoch")


def ramp_values(start: float, end: float, num: int, shape: str, param: str) -> Callable:
    """``index -> value`` going from ``start`` (index 0) to ``end`` (index ``num - 1``).

    ``"exponential"`` is geometric in the learning rate, and for momenta geometric in the
    effective step multiplier ``1 / (1 - momentum)``; ``"linear"`` is linear in the value.
    """
    span = max(num - 1, 1)

    def value(index):
        frac = jnp.clip(jnp.asarray(index, jnp.float32) / span, 0.0, 1.0)
        if shape == "linear":
            return start + (end - start) * frac
        if param == "momentum":
            return 1.0 - (1.0 - start) * ((1.0 - end) / (1.0 - start)) ** frac
        return start * (end / start) ** frac

    return value


def recording_end(smoothed: np.ndarray, stop_factor: float) -> int | None:
    """Index of the last point fastai's ``lr_find`` records, ``None`` for the whole ramp.

    fastai's ``LRFinder`` updates its best smoothed loss when the new one is lower, then cancels
    the fit after a batch whose smoothed loss exceeds ``stop_factor`` times the best; that batch
    is recorded. A NaN smoothed loss compares false both times, so it never stops the ramp:
    fastai then records to the ramp's end, trims ``[num_it // 10 : -5]`` of the whole
    recording, and only then cuts at the first NaN. (An infinite loss does stop it.) The
    divergence point reported by :func:`jaxscape.tune.smoothing.stop_index` also counts a NaN;
    this is only where the recording, and so the trimming, ends.

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
    metric: str,
    beta: float,
    bias_correction: bool,
    stop_factor: float,
    rule: str,
    spacing: str,
    skip_start: int | None,
    skip_end: int,
    settings: Mapping[str, Any],
    fixed: Mapping[str, Any] | None = None,
    info: dict | None = None,
) -> RampRangeTest:
    """Smooth, stop and read the suggestions of a finished ramp (pure)."""
    values = np.asarray(values, dtype=np.float64)
    losses = np.asarray(curves[metric], dtype=np.float64)
    smoothed = ema(losses, beta, bias_correction)
    stop = stop_index(smoothed, stop_factor)
    end = recording_end(smoothed, stop_factor)
    x, y = prepare_curve(values, smoothed, end, skip_start, skip_end)
    rules = RULES if param == "learning_rate" else tuple(r for r in RULES if r != "minimum")
    suggestions: dict[str, float] = {}
    for name in rules:
        if x.size < 2:
            suggestions[name] = float("nan")
        elif name == "steepest" and param == "momentum" and spacing == "log":
            # log spacing of a momentum: log of the effective step multiplier 1 / (1 - m)
            suggestions[name] = 1.0 - 1.0 / steepest(1.0 / (1.0 - x), y, "log")
        else:
            suggestions[name] = suggest(x, y, name, spacing)
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
        rule=rule,
        suggestion=suggestions.get(rule, float("nan")),
        settings={
            **dict(settings),
            "beta": beta,
            "bias_correction": bias_correction,
            "stop_factor": stop_factor,
            "spacing": spacing,
            "skip_start": skip_start,
            "skip_end": skip_end,
        },
        initial=dict(initial),
        fixed=dict(fixed or {}),
        info=dict(info or {}),
    )


def run_ramp(
    prob: Problem,
    factory: Callable[..., Any],
    param: str,
    start: float,
    end: float,
    num: int,
    *,
    shape: str,
    every: str,
    fixed: Mapping[str, Any],
    batch_size: int | None,
    seed: int,
    metric: str,
    beta: float | None,
    bias_correction: bool,
    stop_factor: float,
    rule: str,
    spacing: str,
    skip_start: int | None,
    skip_end: int,
    progress: bool,
) -> RampRangeTest:
    """Train one run whose ``param`` follows the ramp, then analyse it.

    ``factory`` must accept ``param`` as a schedule ``count -> value`` (a callable is a static
    entry of the sweep table).
    """
    spe = prob.steps_per_epoch(batch_size)
    per = 1 if every == "step" else spe
    value = ramp_values(start, end, num, shape, param)
    schedule = lambda count: value(count // per)
    run_prob = prob if metric.startswith("test_") else without_test(prob)
    res = sweep(
        run_prob,
        factory,
        {**fixed, param: schedule},
        steps=num * per,
        batch_size=batch_size,
        seed=seed,
        eval_every=per,
        checkpoint=next_checkpoint("ramp"),
        progress=progress,
    )
    values = np.asarray(value(np.arange(num)), dtype=np.float64)
    if beta is None:
        beta = 0.98 if every == "step" else 0.0
    curves = {k: v[0] for k, v in res.metrics.items()}
    return analyse_ramp(
        param,
        values,
        res.steps,
        curves,
        initial_metrics(prob, seed),
        metric=metric,
        beta=beta,
        bias_correction=bias_correction,
        stop_factor=stop_factor,
        rule=rule,
        spacing=spacing,
        skip_start=skip_start,
        skip_end=skip_end,
        settings={"ramp": shape, "every": every, "start": start, "end": end, "num": num},
        fixed={k: v for k, v in fixed.items() if isinstance(v, int | float | bool | str)},
        info=res.info,
    )
