"""Run and read a ramp range test (one run; the value grows every step or epoch)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxscape.population.sweep import sweep
from jaxscape.problem import Problem
from jaxscape.tune._common import split_initial, without_test
from jaxscape.tune._resume import next_checkpoint
from jaxscape.tune.range_tests._scale import interpolate
from jaxscape.tune.range_tests.ramp import Ramp
from jaxscape.tune.range_tests.result import RampRangeTest
from jaxscape.tune.range_tests.smoothing import ema, stop_index
from jaxscape.tune.range_tests.suggest import RULES, prepare_curve, suggest


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
    metric: str,
    beta: float,
    bias_correction: bool,
    stop_factor: float,
    rule: str,
    spacing: str,
    skip_start: int | None,
    skip_end: int,
    settings: Mapping[str, Any],
    scale: str = "log",
    rules: tuple[str, ...] = RULES,
    fixed: Mapping[str, Any] | None = None,
    info: dict | None = None,
) -> RampRangeTest:
    """Smooth, stop and read the suggestions of a finished ramp (pure).

    ``scale`` is the value's scale (what ``steepest`` with ``spacing="log"`` differentiates
    over), ``rules`` the suggestion rules read.
    """
    values = np.asarray(values, dtype=np.float64)
    losses = np.asarray(curves[metric], dtype=np.float64)
    smoothed = ema(losses, beta, bias_correction)
    stop = stop_index(smoothed, stop_factor)
    x, y = prepare_curve(
        values, smoothed, recording_end(smoothed, stop_factor), skip_start, skip_end
    )
    suggestions = {
        name: suggest(x, y, name, spacing, scale=scale) if x.size >= 2 else float("nan")
        for name in rules
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
            "scale": scale,
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
    ramp: Ramp,
    metric: str,
    fixed: Mapping[str, Any],
    batch_size: int | None,
    seed: int,
    scale: str,
    progress: bool,
) -> RampRangeTest:
    """Train one run whose ``param`` follows the ramp, then analyse it with ``ramp``'s rules.

    ``factory`` must accept ``param`` as a schedule ``count -> value`` (a callable is a static
    entry of the sweep table).
    """
    per = 1 if ramp.every == "step" else prob.steps_per_epoch(batch_size)
    value = ramp_values(start, end, num, ramp.shape, scale)
    schedule = lambda count: value(count // per)
    res = sweep(
        without_test(prob),
        factory,
        {**fixed, param: schedule},
        steps=num * per,
        batch_size=batch_size,
        seed=seed,
        eval_every=per,
        checkpoint=next_checkpoint("ramp"),
        progress=progress,
        record_initial=True,
    )
    initial, curves = split_initial(res.metrics)
    beta = (0.98 if ramp.every == "step" else 0.0) if ramp.beta is None else ramp.beta
    return analyse_ramp(
        param,
        np.asarray(value(np.arange(num)), dtype=np.float64),
        res.steps[1:],
        {k: v[0] for k, v in curves.items()},
        initial,
        metric=metric,
        beta=beta,
        settings={"ramp": ramp.shape, "every": ramp.every, "start": start, "end": end, "num": num},
        scale=scale,
        fixed={k: v for k, v in fixed.items() if isinstance(v, int | float | bool | str)},
        info=res.info,
        **ramp.reading(),
    )
