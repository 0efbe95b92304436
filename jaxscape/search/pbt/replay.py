"""Replay a PBT member's learned schedule as one fresh run."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from jaxscape._checks import check_positive_int
from jaxscape.problem import Problem
from jaxscape.search.pbt.interval import run_interval
from jaxscape.search.pbt.opt_state import write_exposed
from jaxscape.search.pbt.result import PBTResult


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
      >>> res = js.search.pbt(prob, js.optim.sgd, {"learning_rate": (0.01, 0.5)}, 20,
      ...                     population=4, exploit=5)
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
    cloned = _cloned(result, member)
    for k, (a, b) in enumerate(itertools.pairwise(edges)):
        values = {n: [float(v[k])] for n, v in sched.items()}
        if state is not None and cloned[k]:  # as PBT wrote a clone's explored values
            state = write_exposed(state, np.array([True]), values)
        table = {**result.info["fixed"], **values}
        res = run_interval(prob, optimizer, table, a, b, state, ev, seed, kw)
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


def _cloned(result: PBTResult, member: int) -> np.ndarray:
    """``[K]`` whether ``member``'s lineage was a clone at the start of each interval."""
    anc = result.ancestry()[member]
    return np.asarray(
        [k > 0 and result.parents[k, anc[k]] != anc[k] for k in range(result.n_intervals)]
    )
