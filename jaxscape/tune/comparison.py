"""``Comparison``: arms trained over the same seeds and judged against a baseline.

The confirmation of momentum, the decay and cyclical checks and the optimizer comparison all
produce one: every arm (a configuration) is trained once per seed, all arms of one optimizer
family as rows of one population, and each non-baseline arm gets a paired
:class:`~jaxscape.tune.verdict.Verdict`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jax
import numpy as np

from jaxscape.population.result import higher_is_better
from jaxscape.population.sweep import sweep
from jaxscape.problem import Problem
from jaxscape.tune._resume import next_checkpoint
from jaxscape.tune.plateau import Plateau
from jaxscape.tune.verdict import Verdict, paired_verdict

PathLike = str | os.PathLike


@dataclass
class Comparison:
    """Arms × seeds, their curves and verdicts.

    Attributes:
      name: what is compared (``"momentum"``, ``"schedules"``, ``"optimizers"``...).
      arms: arm names; ``arms[0]`` is the baseline.
      settings: ``{arm: hyperparameters}`` (JSON-ready numbers and strings).
      seeds: ``[S]`` the seeds every arm was trained with.
      steps: ``[T]`` recorded steps (the first record is step 0: the initial weights).
      steps_per_epoch: optimizer steps per epoch.
      curves: ``{arm: {metric: [S, T]}}`` (NaN after a divergence).
      diverged: ``{arm: [S]}``.
      metric: the metric the verdicts compare (final value).
      verdicts: ``{arm: Verdict}`` for every arm but the baseline.
      rates: ``{arm: [steps]}`` the learning rate of every step, when the arms differ in it.
      plateau: the plateau epoch that set the schedules, when there is one.
      params: ``{arm: pytree with leading [S]}`` final weights, when kept.
      initial_params: ``pytree with leading [S]`` initial weights of the seeds, when kept.
      info: settings and timings.
    """

    name: str
    arms: list[str]
    settings: dict[str, dict]
    seeds: np.ndarray
    steps: np.ndarray
    steps_per_epoch: int
    curves: dict[str, dict[str, np.ndarray]]
    diverged: dict[str, np.ndarray]
    metric: str
    verdicts: dict[str, Verdict]
    rates: dict[str, np.ndarray] = field(default_factory=dict)
    plateau: Plateau | None = None
    params: dict[str, Any] | None = None
    info: dict = field(default_factory=dict)

    @property
    def baseline(self) -> str:
        return self.arms[0]

    @property
    def epochs(self) -> np.ndarray:
        """``[T]`` the recorded steps in epochs."""
        return self.steps / max(self.steps_per_epoch, 1)

    def final(self, arm: str, metric: str | None = None) -> np.ndarray:
        """``[S]`` the final value of ``metric`` for every seed of ``arm``."""
        return self.curves[arm][metric or self.metric][:, -1]

    def mean_final(self, arm: str, metric: str | None = None) -> float:
        values = self.final(arm, metric)
        return float(np.mean(values)) if np.all(np.isfinite(values)) else float("nan")

    def chosen(self) -> str:
        """The baseline, unless variants were adopted: then the adopted one that improved most."""
        adopted = [a for a, v in self.verdicts.items() if v.adopt]
        if not adopted:
            return self.baseline
        return max(adopted, key=lambda a: self.verdicts[a].effect)

    def plot(self, path: PathLike | None = None, *, title: str | None = None):
        """Mean ± SE curves of every arm, per-seed paired differences, and the rates."""
        from jaxscape.plot.tune import plot_comparison

        return plot_comparison(self, path=path, title=title)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "arms": self.arms,
            "baseline": self.baseline,
            "settings": self.settings,
            "seeds": self.seeds.tolist(),
            "metric": self.metric,
            "final_mean": {a: self.mean_final(a) for a in self.arms},
            "diverged": {a: self.diverged[a].tolist() for a in self.arms},
            "verdicts": {a: v.to_dict() for a, v in self.verdicts.items()},
            "chosen": self.chosen(),
            "plateau": None if self.plateau is None else self.plateau.to_dict(),
        }


@dataclass
class ArmRuns:
    """What :func:`run_arms` returns: the curves of each arm, split out of one population."""

    steps: np.ndarray
    curves: dict[str, dict[str, np.ndarray]]
    diverged: dict[str, np.ndarray]
    params: dict[str, Any] | None
    info: dict


def run_arms(
    prob: Problem,
    factory: Callable[..., Any],
    arms: Mapping[str, Mapping[str, Any]],
    seeds: np.ndarray,
    *,
    steps: int,
    batch_size: int | None,
    eval_every: int,
    progress: bool,
    keep_params: bool = False,
) -> ArmRuns:
    """Train every arm once per seed as one population; prepend each seed's step-0 metrics.

    Every arm must give the same hyperparameter names; numbers may differ between arms,
    non-numeric options (bools, strings, callables) must be equal. The population trains on
    the problem without its test split: curves hold ``train_*`` and ``val_*`` metrics only.
    """
    from jaxscape.tune._common import initial_metrics_many, without_test

    names = list(arms)
    keys = set(arms[names[0]])
    for a in names[1:]:
        if set(arms[a]) != keys:
            raise ValueError(f"arm {a!r} sets {sorted(arms[a])}, arm {names[0]!r} {sorted(keys)}")
    s = len(seeds)
    table: dict[str, Any] = {"seed": np.tile(seeds, len(names))}
    for key in keys:
        vals = [arms[a][key] for a in names]
        if all(isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in vals):
            table[key] = np.repeat(np.asarray(vals, dtype=np.float64), s)
        else:
            if any(v is not vals[0] and v != vals[0] for v in vals):
                raise ValueError(f"non-numeric option {key!r} must be the same in every arm")
            table[key] = vals[0]
    res = sweep(
        without_test(prob),
        factory,
        table,
        steps=steps,
        batch_size=batch_size,
        eval_every=eval_every,
        keep_params=keep_params,
        checkpoint=next_checkpoint("arms"),
        progress=progress,
    )
    start = initial_metrics_many(prob, seeds)
    curves: dict[str, dict[str, np.ndarray]] = {}
    diverged: dict[str, np.ndarray] = {}
    params: dict[str, Any] | None = {} if keep_params else None
    for i, a in enumerate(names):
        rows = slice(i * s, (i + 1) * s)
        curves[a] = {}
        for k, v in res.metrics.items():
            first = start.get(k, np.full(s, np.nan))[:, None]
            curves[a][k] = np.concatenate([first, v[rows]], axis=1)
        diverged[a] = res.diverged[rows].copy()
        if params is not None:
            params[a] = jax.tree.map(lambda x, r=rows: np.asarray(x[r]), res.params)
    return ArmRuns(
        steps=np.concatenate([[0], res.steps]),
        curves=curves,
        diverged=diverged,
        params=params,
        info=res.info,
    )


def verdicts_for(
    curves: Mapping[str, Mapping[str, np.ndarray]],
    arms: Sequence[str],
    metric: str,
    *,
    k: float,
    min_effect: float,
) -> dict[str, Verdict]:
    """Paired verdicts of ``arms[1:]`` against ``arms[0]`` on the final ``metric``."""
    base = arms[0]
    return {
        a: paired_verdict(
            curves[base][metric][:, -1],
            curves[a][metric][:, -1],
            metric=metric,
            variant_name=a,
            baseline_name=base,
            k=k,
            min_effect=min_effect,
        )
        for a in arms[1:]
    }


def record_every(prob: Problem, batch_size: int | None, steps: int) -> int:
    """Record once per epoch when the run has at least 2 epochs, else about 10 times."""
    spe = prob.steps_per_epoch(batch_size)
    return spe if steps >= 2 * spe else max(1, steps // 10)


def better(metric: str, a: float, b: float) -> bool:
    return a > b if higher_is_better(metric) else a < b
