"""``Comparison``: arms trained over the same seeds and judged against a baseline.

The confirmation of momentum, the decay and cyclical checks and the optimizer comparison all
produce one: every arm (a configuration) is trained once per seed, all arms of one optimizer
family as rows of one population, and each non-baseline arm gets a paired
:class:`~jaxscape.tune.comparisons.verdict.Verdict`.

References:
  The verdict's paired statistics: :mod:`jaxscape.tune.comparisons.verdict`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jax
import numpy as np

from jaxscape._frame import rows_frame
from jaxscape.population.judging import Judging
from jaxscape.population.sweep import sweep
from jaxscape.population.training import Training
from jaxscape.problem import Problem
from jaxscape.tune._common import (
    check_batch_size,
    check_metric,
    check_seeds,
    n_train,
    record_every,
    without_test,
)
from jaxscape.tune._resume import next_checkpoint
from jaxscape.tune._store import Stored
from jaxscape.tune.comparisons.plateau import Plateau
from jaxscape.tune.comparisons.verdict import Verdict, paired_verdict

PathLike = str | os.PathLike


@dataclass(frozen=True, eq=False)
class Comparison(Stored, file="comparison"):
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
      info: settings and timings.

    Example:
      >>> import tempfile, jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))
      >>> cmp = js.tune.confirm_momentum(prob, 0.1, 0.5, steps=10, seeds=2, progress=False)
      >>> print(cmp.summary())
      momentum: 2 arms x 2 seeds, train_loss
        momentum 0: mean 0.4503 (baseline)
        momentum 0.5: mean 0.02846 (adopt)
      chosen: momentum 0.5
      >>> back = Comparison.load(cmp.save(tempfile.mkdtemp() + "/cmp"))
      >>> len(back.to_dataframe()), back.verdicts["momentum 0.5"].adopt   # (arm, seed) rows
      (4, True)
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

    def to_dataframe(self):
        """One row per (arm, seed): its final metrics and ``diverged``."""
        rows = [
            {
                "arm": arm,
                "seed": int(seed),
                **{k: float(c[i, -1]) for k, c in self.curves[arm].items()},
                "diverged": bool(self.diverged[arm][i]),
            }
            for arm in self.arms
            for i, seed in enumerate(self.seeds)
        ]
        return rows_frame(rows, index=["arm", "seed"])

    def summary(self) -> str:
        """Every arm's mean final metric and verdict, and the arm chosen."""
        lines = [f"{self.name}: {len(self.arms)} arms x {self.seeds.size} seeds, {self.metric}"]
        for arm in self.arms:
            v = self.verdicts.get(arm)
            said = "baseline" if v is None else ("adopt" if v.adopt else "keep baseline")
            lines.append(f"  {arm}: mean {self.mean_final(arm):.4g} ({said})")
        lines.append(f"chosen: {self.chosen()}")
        return "\n".join(lines)


@dataclass(frozen=True)
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
    progress: bool,
    keep_params: bool = False,
) -> ArmRuns:
    """Train every arm once per seed as one population, recording step 0 (``record_initial``:
    the exact metrics of each seed's initial weights) as the first column, then every
    :func:`record_every` steps.

    Every arm must give the same hyperparameter names; numbers may differ between arms,
    non-numeric options (bools, strings, callables) must be equal. The population runs at its
    own size (``pad=False``): arms x seeds is rarely the size of another population. It trains
    on the problem without its test split: curves hold ``train_*`` and ``val_*`` metrics only.
    """
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
        eval_every=record_every(prob, batch_size, steps),
        keep_params=keep_params,
        checkpoint=next_checkpoint("arms"),
        progress=progress,
        record_initial=True,
        pad=False,  # one population of this size: padding lanes would only cost compute
    )
    curves: dict[str, dict[str, np.ndarray]] = {}
    diverged: dict[str, np.ndarray] = {}
    params: dict[str, Any] | None = {} if keep_params else None
    for i, a in enumerate(names):
        rows = slice(i * s, (i + 1) * s)
        curves[a] = {k: np.asarray(v[rows]) for k, v in res.metrics.items()}
        diverged[a] = res.diverged[rows].copy()
        if params is not None:
            params[a] = jax.tree.map(lambda x, r=rows: np.asarray(x[r]), res.params)
    return ArmRuns(
        steps=np.asarray(res.steps),
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


def comparison_of(
    name: str,
    arms: Mapping[str, Mapping[str, Any]],
    seeds: np.ndarray,
    runs: ArmRuns,
    *,
    steps_per_epoch: int,
    metric: str,
    k: float,
    min_effect: float,
    rates: Mapping[str, np.ndarray] | None = None,
    plateau: Plateau | None = None,
) -> Comparison:
    """The :class:`Comparison` of trained ``runs`` of ``arms`` (the one place one is built):
    settings made JSON-ready, verdicts of every arm against the first (:func:`verdicts_for`)."""
    names = list(arms)
    return Comparison(
        name=name,
        arms=names,
        settings={a: {k: v for k, v in arms[a].items() if not callable(v)} for a in names},
        seeds=np.asarray(seeds),
        steps=np.asarray(runs.steps),
        steps_per_epoch=int(steps_per_epoch),
        curves=runs.curves,
        diverged=runs.diverged,
        metric=metric,
        verdicts=verdicts_for(runs.curves, names, metric, k=k, min_effect=min_effect),
        rates=dict(rates or {}),
        plateau=plateau,
        params=runs.params,
        info=dict(runs.info),
    )


def check_reused(
    label: str, reused: Any, seeds: np.ndarray, steps: int, keep_params: bool
) -> tuple[Comparison, str]:
    """``reused = (comparison, arm)``, runs already trained as ``arm`` of ``comparison``, checked
    to stand for the arm ``label`` of a comparison over ``seeds`` and ``steps`` (its final
    weights too when ``keep_params``)."""
    ok = isinstance(reused, tuple) and len(reused) == 2 and isinstance(reused[0], Comparison)
    if not ok or reused[1] not in reused[0].arms:
        raise TypeError(f"reuse[{label!r}] must be (Comparison, one of its arms)")
    given, arm = reused
    if not np.array_equal(given.seeds, seeds) or int(given.steps[-1]) != steps:
        raise ValueError(
            f"reuse[{label!r}] was trained with other seeds or steps "
            f"({given.seeds.tolist()}, {int(given.steps[-1])} steps)"
        )
    if keep_params and (given.params is None or arm not in given.params):
        raise ValueError(f"reuse[{label!r}] kept no parameters, but keep_params=True")
    return given, arm


def merge_runs(names: Sequence[str], sources: Mapping[str, tuple[Any, str]]) -> ArmRuns:
    """The runs of the arms ``names``, in that order, as one :class:`ArmRuns`: arm ``a`` is arm
    ``sources[a][1]`` of ``sources[a][0]`` (an :class:`ArmRuns` just trained, or a
    :class:`Comparison` whose runs are reused); all must be recorded at the same steps. The
    ``info`` is the last trained population's."""
    got = [(a, *sources[a]) for a in names]
    recorded = [np.asarray(src.steps) for _, src, _ in got]
    if any(not np.array_equal(r, recorded[0]) for r in recorded):
        raise ValueError("reuse: the reused runs were recorded at other steps")
    trained = [src for _, src, _ in got if isinstance(src, ArmRuns)]
    keep = all(src.params is not None for _, src, _ in got)
    return ArmRuns(
        steps=recorded[0],
        curves={a: src.curves[arm] for a, src, arm in got},
        diverged={a: src.diverged[arm] for a, src, arm in got},
        params={a: src.params[arm] for a, src, arm in got} if keep else None,
        info=dict((trained or [got[0][1]])[-1].info),
    )


def compare_arms(
    name: str,
    prob: Problem,
    factory: Callable[..., Any],
    arms: Mapping[str, Mapping[str, Any]],
    training: Training,
    judging: Judging,
    *,
    keep_params: bool = False,
    reuse: Mapping[str, tuple[Comparison, str]] | None = None,
    **extra: Any,
) -> Comparison:
    """Train ``arms`` over ``training.seeds`` as one population (:func:`run_arms`) and judge
    them (:func:`comparison_of`; ``extra``: its ``rates`` and ``plateau``).

    The budget is ``training``'s (steps, or epochs of the problem's training split at its
    batch size); the verdicts score ``judging``'s metric (:meth:`jaxscape.Judging.choose_metric`
    among the training and validation metrics) with its ``k`` and ``min_effect``. ``reuse``
    ``{arm: (comparison, its arm)}``: runs of that arm already trained (same seeds, steps and
    batch size, e.g. the kept arm of an earlier comparison), taken instead of training it again.
    """
    batch_size = check_batch_size(prob, training.batch_size)
    seeds = check_seeds(list(training.seeds))
    steps = training.steps_for(n_train(prob), batch_size)
    spe = prob.steps_per_epoch(batch_size)
    reuse = {a: check_reused(a, r, seeds, steps, keep_params) for a, r in (reuse or {}).items()}
    for a, (given, _) in reuse.items():
        if a not in arms or given.steps_per_epoch != spe:
            raise ValueError(f"reuse[{a!r}] must name an arm trained at this batch size")
    todo = {a: v for a, v in arms.items() if a not in reuse}
    sources = dict(reuse)
    if todo:
        trained = run_arms(
            prob,
            factory,
            todo,
            seeds,
            steps=steps,
            batch_size=batch_size,
            progress=training.progress,
            keep_params=keep_params,
        )
        sources.update({a: (trained, a) for a in todo})
    runs = merge_runs(list(arms), sources)
    return comparison_of(
        name,
        arms,
        seeds,
        runs,
        steps_per_epoch=spe,
        metric=check_metric(prob, judging.metric),
        k=judging.k,
        min_effect=judging.min_effect,
        **extra,
    )
