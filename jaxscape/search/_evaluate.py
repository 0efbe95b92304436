"""Evaluate configurations as populations (one :func:`jaxscape.sweep` per structure group).

The search scores on the validation split: while it runs, the problem's test split is hidden
from the engine (not evaluated at all), and :func:`evaluate_test` evaluates the chosen
configuration on it once, at the end. A dataset without a validation split is scored on the
training metrics, never on the test split (choosing on the test split would make its final
report biased).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jaxscape.population import sweep
from jaxscape.population.result import higher_is_better
from jaxscape.problem import Problem
from jaxscape.search._build import build, group_configs
from jaxscape.search.space import Space


@dataclass(frozen=True)
class Training:
    """How every configuration is trained: ``steps`` optimizer steps, the rest as in sweep."""

    steps: int
    batch_size: int | None = 128
    seed: int = 0
    eval_every: int | None = None
    optimizer: Callable[..., Any] | None = None
    progress: bool = False
    callback: Callable[[dict], Any] | None = None


def score_split(prob: Problem) -> str:
    """``"val"`` when the data has a validation split, else ``"train"`` (never ``"test"``)."""
    data = prob.data
    if data is not None and data.n_val > 0:
        return "val"
    return "train"


def score_metric(prob: Problem, metric: str | None = None) -> str:
    """The metric a search ranks by: ``metric``, else ``{split}_accuracy`` for classifiers
    and ``{split}_loss`` otherwise, on :func:`score_split`'s split."""
    split = score_split(prob)
    names = tuple(f"{s}_{m}" for s in ("train", split) for m in prob.metric_names)
    if metric is not None:
        if isinstance(metric, str) and metric.startswith("test_"):
            raise ValueError(
                f"metric {metric!r}: a search chooses on the validation (or training) split; "
                f"the test split is evaluated once for the chosen configuration. Allowed: "
                f"{sorted(set(names))}"
            )
        if metric not in names:
            raise ValueError(f"metric must be one of {sorted(set(names))}, got {metric!r}")
        return metric
    return f"{split}_accuracy" if "accuracy" in prob.metric_names else f"{split}_loss"


def hide_test(prob: Problem) -> Problem:
    """``prob`` without its test split (nothing else changes): a search never reads it."""
    if prob.data is None or prob.data.test is None:
        return prob
    return dataclasses.replace(prob, data=dataclasses.replace(prob.data, test=None))


@dataclass(frozen=True)
class Evaluated:
    """What one configuration's training gave: final metrics, divergence, seconds."""

    metrics: dict[str, float]
    diverged: bool
    seconds: float


def evaluate(
    prob: Problem, space: Space, configs: Sequence[Mapping[str, Any]], training: Training
) -> list[Evaluated]:
    """Train ``configs`` as one population per structure group; ``[n]`` results in order.

    ``prob`` is used as given (hide its test split first with :func:`hide_test`). Every
    group's factory and table are built, and so validated, before any group compiles.
    """
    groups = group_configs(space, configs)
    built = {
        key: build(space, [configs[i] for i in idx], training.optimizer)
        for key, idx in groups.items()
    }
    out: list[Evaluated | None] = [None] * len(configs)
    for key, idx in groups.items():
        factory, table = built[key]
        tic = time.perf_counter()
        res = sweep(
            prob,
            factory,
            table,
            steps=training.steps,
            batch_size=training.batch_size,
            seed=training.seed,
            eval_every=training.eval_every or _default_every(prob, training.steps),
            progress=training.progress,
            callback=training.callback,
        )
        seconds = time.perf_counter() - tic
        for j, i in enumerate(idx):
            metrics = {k: float(v[j, -1]) for k, v in res.metrics.items()}
            out[i] = Evaluated(metrics, bool(res.diverged[j]), seconds)
    return out  # type: ignore[return-value]


def _default_every(prob: Problem, steps: int) -> int:
    """One window (an exact held-out evaluation at the end), or sweep's default window when
    only training metrics exist (a window's mean then starts near the end)."""
    return steps if score_split(prob) != "train" else max(1, steps // 20)


def told_value(ev: Evaluated, metric: str) -> float:
    """The value given to the study: the metric, or the worst value (±inf) when the trial
    diverged or has no finite value (a NaN would mark the trial failed and re-run it)."""
    value = ev.metrics.get(metric, float("nan"))
    if ev.diverged or not np.isfinite(value):
        return -np.inf if higher_is_better(metric) else np.inf
    return float(value)


def evaluate_test(
    prob: Problem, space: Space, config: Mapping[str, Any], training: Training
) -> dict[str, float]:
    """The final ``test_*`` metrics of ``config`` trained alone on the full problem.

    Trains the same steps, batches and seed as the search did (so its validation metrics equal
    the search's); returns ``{}`` when the data has no test split.
    """
    if prob.data is None or prob.data.n_test == 0:
        return {}
    quiet = dataclasses.replace(training, progress=False, callback=None)
    (ev,) = evaluate(prob, space, [config], quiet)
    return {k: v for k, v in ev.metrics.items() if k.startswith("test_")}
