"""Population based training (Jaderberg et al., 2017) as one population on the device.

Every ``interval`` steps (from ``burn_in`` on) the members are ranked by a validation metric;
each member of the bottom ``quantile`` copies the parameters, optimizer state and
hyperparameters of a member drawn uniformly from the top ``quantile`` (*exploit*: one gather
along the trial axis, :meth:`~jaxscape.population.snapshot.PopulationState.take`), then
perturbs the copied values (*explore*: each resampled from the space with probability
``resample_probability``, otherwise multiplied by 0.8 or 1.2, or moved to a neighbouring
categorical value, kept inside the space's bounds). These are Ray Tune's defaults. Between
exploits the population trains as one continued :func:`jaxscape.sweep`, whose compiled program
is reused: hyperparameters are data, nothing recompiles.

All random choices come from one ``np.random.default_rng(seed)`` on the host (initial values,
parents, explore), so the same seed gives the same lineage bit for bit.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jaxscape._checks import check_positive_int, check_range
from jaxscape.population.result import higher_is_better
from jaxscape.population.sweep import sweep
from jaxscape.problem import Problem, check_problem
from jaxscape.search._pbt_exploit import exploit_explore, scores_of
from jaxscape.search._pbt_result import PBTResult
from jaxscape.search._pbt_space import describe, resolve_space, sample

__all__ = ["PBTReplay", "PBTResult", "pbt", "replay_schedule"]

#: The default ranking metric: the first of these a run records.
METRIC_ORDER = (
    "val_accuracy",
    "val_loss",
    "test_accuracy",
    "test_loss",
    "train_accuracy",
    "train_loss",
)


def boundaries(steps: int, interval: int, burn_in: int = 0) -> np.ndarray:
    """``[K + 1]`` interval edges: 0, every multiple of ``interval`` in ``[burn_in, steps)``
    except 0, and ``steps``.

    >>> boundaries(10, 3).tolist(), boundaries(10, 3, burn_in=5).tolist()
    ([0, 3, 6, 9, 10], [0, 6, 9, 10])
    """
    inner = [s for s in range(interval, steps, interval) if s >= burn_in]
    return np.asarray([0, *inner, steps], np.int64)


def _check(population, steps, interval, burn_in, quantile, resample_probability, perturb, metric):
    population = check_positive_int("population", population)
    steps = check_positive_int("steps", steps)
    interval = check_positive_int("interval", interval)
    burn_in = check_positive_int("burn_in", burn_in, allow_zero=True)
    check_range("quantile", quantile, low=0.0, high=0.5)
    check_range("resample_probability", resample_probability, low=0.0, high=1.0)
    factors = np.asarray(perturb, np.float64)
    if factors.ndim != 1 or factors.size == 0 or not np.all(np.isfinite(factors) & (factors > 0)):
        raise ValueError(f"perturb must be a non-empty list of positive factors, got {perturb!r}")
    if metric is not None and not (
        isinstance(metric, str) and metric.startswith(("train_", "val_", "test_"))
    ):
        raise ValueError(f"metric must name a recorded metric like 'val_loss', got {metric!r}")
    return population, steps, interval, burn_in, tuple(factors.tolist())


def _pick_metric(metric: str | None, recorded: Mapping[str, Any]) -> str:
    if metric is None:
        return next(m for m in METRIC_ORDER if m in recorded)
    if metric not in recorded:
        raise ValueError(f"metric {metric!r} is not recorded; recorded: {sorted(recorded)}")
    return metric


def pbt(
    prob: Problem,
    optimizer: Callable[..., Any],
    space: Any,
    *,
    population: int,
    steps: int,
    interval: int,
    burn_in: int = 0,
    quantile: float = 0.25,
    resample_probability: float = 0.25,
    perturb: Sequence[float] = (0.8, 1.2),
    metric: str | None = None,
    seed: int = 0,
    distinct_seeds: bool = False,
    on_exploit: Callable[[dict], Any] | None = None,
    **sweep_kwargs: Any,
) -> PBTResult:
    """Population based training of ``population`` members for ``steps`` steps.

    Args:
      prob: the problem (see :class:`jaxscape.Problem`).
      optimizer: a factory of keyword hyperparameters, as for :func:`jaxscape.sweep`.
      space: a :class:`~jaxscape.search.Space` without choices, ``{name: kind}``, or
        ``{name: (lo, hi)}`` (log-uniform when ``lo > 0`` and ``hi / lo >= 100``, else
        uniform); plain numbers are fixed (see :mod:`jaxscape.search._pbt_space`).
      population: ``N`` members; their initial values are drawn from the space.
      steps: optimizer steps of every member.
      interval: steps between exploits; an exploit happens at every multiple of ``interval``
        in ``[burn_in, steps)`` (:func:`boundaries`). ``interval >= steps`` is a plain sweep.
      burn_in: no exploit before this step.
      quantile: fraction ``q`` of members in the top and bottom groups; each group has
        ``min(ceil(N q), floor(N / 2))`` members (Ray Tune's rule). In ``[0, 0.5]``.
      resample_probability: chance that an explored value is drawn afresh from the space.
      perturb: the factors an explored value is multiplied by, one drawn uniformly.
      metric: the ranking metric, read at the end of each interval (default: ``val_accuracy``,
        else ``val_loss``, else the test then training metrics); larger wins for accuracies.
        Non-finite values (diverged members) rank last.
      seed: seeds the host RNG of every PBT choice, and the members' initial weights and batch
        order (all members share them unless ``distinct_seeds``: member ``i`` then uses
        ``seed + i``, and a copy continues its parent's).
      distinct_seeds: give every member its own initial weights and batch order.
      on_exploit: called after each exploit with ``{"step", "before", "after", "parents",
        "scores"}`` (the :class:`~jaxscape.population.snapshot.PopulationState` before and
        after the gather, ``[N]`` parents and scores, larger better).
      **sweep_kwargs: passed to every :func:`jaxscape.sweep` call (``batch_size``,
        ``eval_every`` (default ``max(1, interval // 5)``), ``chunk_size``, ``devices``,
        ``diverge_factor``, ``eval_batch_size``).

    Returns:
      A :class:`PBTResult`: ``[N, T]`` curves, ``[K, N]`` parents and values, the learned
      schedules (:meth:`PBTResult.schedule`), :meth:`PBTResult.best`.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(2))
      >>> res = js.search.pbt(prob, js.optim.sgd, {"learning_rate": (0.01, 0.5)},
      ...                     population=4, steps=20, interval=5, metric="train_loss")
      >>> res.boundaries.tolist(), int((res.parents[1] != range(4)).sum())  # ceil(4 q) = 1
      ([0, 5, 10, 15, 20], 1)
    """
    check_problem(prob)
    population, steps, interval, burn_in, perturb = _check(
        population, steps, interval, burn_in, quantile, resample_probability, perturb, metric
    )
    for bad in ("start", "keep_state", "checkpoint", "keep_params", "trajectory", "seed"):
        if bad in sweep_kwargs:
            raise ValueError(f"pbt sets {bad!r} itself; it cannot be passed through")
    kinds, fixed = resolve_space(space)
    rng = np.random.default_rng(check_positive_int("seed", seed, allow_zero=True))
    hyper = sample(rng, kinds, population)
    seeds = seed + np.arange(population) if distinct_seeds else np.full(population, seed)
    edges = boundaries(steps, interval, burn_in)
    settings = {
        "quantile": float(quantile),
        "resample_probability": float(resample_probability),
        "perturb": list(perturb),
    }
    ev = sweep_kwargs.pop("eval_every", None) or max(1, interval // 5)
    kw = {"progress": False, **sweep_kwargs}
    log = _train(
        prob,
        optimizer,
        kinds,
        fixed,
        hyper,
        seeds,
        edges,
        rng,
        settings,
        metric,
        ev,
        on_exploit,
        kw,
    )
    info = {
        "strategy": "pbt",
        "optimizer": getattr(optimizer, "__name__", type(optimizer).__name__),
        "problem": prob.name,
        "population": population,
        "interval": interval,
        "burn_in": burn_in,
        "seed": seed,
        "distinct_seeds": bool(distinct_seeds),
        "space": describe(kinds),
        "fixed": dict(fixed),
        "eval_every": ev,
        "sweep_kwargs": {k: v for k, v in kw.items() if isinstance(v, int | float | str | None)},
        **settings,
    }
    return _assemble(log, edges, seeds, kinds, info)


def _assemble(log: dict[str, Any], edges, seeds, kinds, info: dict[str, Any]) -> PBTResult:
    """The :class:`PBTResult` of a finished training log: intervals joined along time."""
    name = log["metric"]
    return PBTResult(
        metric=name,
        maximize=higher_is_better(name),
        steps=np.concatenate(log["steps"]),
        metrics={
            k: np.concatenate([m[k] for m in log["metrics"]], axis=1) for k in log["metrics"][0]
        },
        diverged=log["diverged"],
        boundaries=edges,
        parents=np.stack(log["parents"]),
        hyperparams={k: np.stack([h[k] for h in log["hyper"]]) for k in kinds},
        seeds=seeds.astype(np.int64),
        info=info,
    )


def _interval(prob, optimizer, table, a, b, state, ev: int, seed: int, kw: dict) -> Any:
    """One interval ``[a, b)`` of a PBT run (or its replay) as a sweep continuing ``state``
    (``None``: from initialisation), keeping where it stopped for the next interval."""
    steps = int(b - a)
    return sweep(
        prob,
        optimizer,
        table,
        steps=steps,
        start=state,
        keep_state=True,
        eval_every=min(ev, steps),
        seed=seed,
        **kw,
    )


def _train(
    prob, optimizer, kinds, fixed, hyper, seeds, edges, rng, settings, metric, ev, on_exploit, kw
) -> dict[str, Any]:
    """Train interval by interval, exploiting and exploring at every inner edge."""
    log: dict[str, Any] = {"steps": [], "metrics": [], "parents": [], "hyper": []}
    state, parents = None, np.full(seeds.shape[0], -1, np.int64)
    for a, b in itertools.pairwise(edges):
        table = {**fixed, **hyper}
        if state is None and np.unique(seeds).size > 1:
            table["seed"] = seeds
        res = _interval(prob, optimizer, table, a, b, state, ev, int(seeds[0]), kw)
        log["steps"].append(res.steps)
        log["metrics"].append(res.metrics)
        log["parents"].append(parents)
        log["hyper"].append({k: v.copy() for k, v in hyper.items()})
        log["metric"] = name = _pick_metric(metric, res.metrics)
        log["diverged"] = np.asarray(res.diverged, bool)
        if b == edges[-1]:
            break
        scores = scores_of(res.metrics[name][:, -1], higher_is_better(name))
        parents, hyper = exploit_explore(rng, scores, hyper, kinds, **settings)
        state = res.state.take(parents)
        if on_exploit is not None:
            on_exploit(
                {
                    "step": int(b),
                    "before": res.state,
                    "after": state,
                    "parents": parents.copy(),
                    "scores": scores,
                }
            )
    return log


@dataclass(frozen=True)
class PBTReplay:
    """One fresh run trained on a PBT member's learned schedule.

    Attributes:
      member: the final member whose schedule was followed; ``seed`` the run's seed.
      schedule: ``{name: [K]}`` the values used over the PBT result's ``boundaries``.
      steps: ``[T]`` recorded steps; ``metrics``: ``{name: [T]}`` the run's curves.
      metric: the PBT ranking metric; ``pbt_final`` what the member reached in PBT,
        ``replay_final`` what the replay reached.
    """

    member: int
    seed: int
    schedule: dict[str, np.ndarray]
    steps: np.ndarray
    metrics: dict[str, np.ndarray]
    metric: str
    pbt_final: float
    replay_final: float


def replay_schedule(
    prob: Problem,
    optimizer: Callable[..., Any],
    result: PBTResult,
    *,
    member: int | None = None,
    seed: int | None = None,
    **sweep_kwargs: Any,
) -> PBTReplay:
    """Train one run from scratch on ``member``'s learned schedule (default: :meth:`best`).

    The run is a chain of continued one-trial sweeps, one per interval, with the schedule's
    values and the PBT run's fixed values and sweep settings. With the default ``seed`` (the
    member's root ancestor's) it starts from the same weights and reads the same batches as
    its lineage did, so it reproduces what PBT reached, up to the float rounding of a
    different population size; another ``seed`` tests the schedule on a new run.

    Example:
      >>> import jax.numpy as jnp, numpy as np, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(2))
      >>> res = js.search.pbt(prob, js.optim.sgd, {"learning_rate": (0.01, 0.5)},
      ...                     population=4, steps=20, interval=5, metric="train_loss")
      >>> rep = js.search.replay_schedule(prob, js.optim.sgd, res)
      >>> bool(np.isclose(rep.replay_final, rep.pbt_final, rtol=1e-4))
      True
    """
    if not isinstance(result, PBTResult):
        raise TypeError(f"result must be a PBTResult, got {type(result).__name__}")
    member = int(result.order()[0]) if member is None else member
    if not 0 <= member < result.n_members:
        raise ValueError(f"member must be in [0, {result.n_members}), got {member}")
    root = int(result.ancestry()[member, 0])
    seed = (
        int(result.seeds[root])
        if seed is None
        else check_positive_int("seed", seed, allow_zero=True)
    )
    sched = {k: v[member] for k, v in result.schedule().items()}
    kw = {"progress": False, **result.info.get("sweep_kwargs", {}), **sweep_kwargs}
    ev = kw.pop("eval_every", None) or result.info["eval_every"]
    edges, state, parts = result.boundaries, None, []
    for k, (a, b) in enumerate(itertools.pairwise(edges)):
        table = {**result.info["fixed"], **{n: [float(v[k])] for n, v in sched.items()}}
        res = _interval(prob, optimizer, table, a, b, state, ev, seed, kw)
        state, parts = res.state, [*parts, res]
    metrics = {n: np.concatenate([r.metrics[n][0] for r in parts]) for n in parts[0].metrics}
    return PBTReplay(
        member=member,
        seed=seed,
        schedule=sched,
        steps=np.concatenate([r.steps for r in parts]),
        metrics=metrics,
        metric=result.metric,
        pbt_final=float(result.final()[member]),
        replay_final=float(metrics[result.metric][-1]),
    )
