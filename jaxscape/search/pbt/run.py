"""Population based training (Jaderberg et al., 2017) as one population on the device.

It follows Ray Tune's synchronous ``PopulationBasedTraining``: at every exploit step
(:func:`~.schedule.boundaries`: ``max(interval, burn_in)`` and every ``interval`` after it)
the members are ranked by the :class:`~jaxscape.Judging`'s metric (validation, never test);
each member of the bottom quantile copies the parameters, optimizer state and hyperparameters
of a member drawn uniformly from the top quantile (*exploit*: one gather along the trial axis,
:meth:`~jaxscape.population.snapshot.PopulationState.take`), then perturbs the copied values
(*explore*, :func:`~.space.explore`). Ties rank as Ray ranks them (a stable ascending sort:
the lower index is the worse). Deliberate differences from Ray: a non-finite metric (a
diverged member) ranks last; an explored number is clipped into the space's bounds; an
integer moves by at least one; and a value an optimizer keeps in its own state (the learned
rate of ``sgd_hd``/``adam_hd``) is overwritten with the clone's explored value
(:mod:`~.opt_state`). Between exploits the population trains as one continued
:func:`jaxscape.sweep`, whose compiled program is reused: hyperparameters are data.

All random choices come from one ``np.random.default_rng(training.seed)`` on the host
(initial values, parents, explore), so the same seed gives the same lineage bit for bit.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from jaxscape._checks import check_positive_int
from jaxscape.population.judging import Judging
from jaxscape.population.training import Training
from jaxscape.problem import Problem, check_problem
from jaxscape.search._evaluate import searched_names
from jaxscape.search.pbt.exploit import exploit_explore, scores_of
from jaxscape.search.pbt.interval import run_interval
from jaxscape.search.pbt.opt_state import write_exposed
from jaxscape.search.pbt.options import Exploit, Explore
from jaxscape.search.pbt.result import PBTResult
from jaxscape.search.pbt.schedule import boundaries
from jaxscape.search.pbt.space import describe, resolve_space, sample

#: Sweep options PBT takes from its Training and Judging, or sets itself.
OWNED = (
    "steps", "batch_size", "seed", "eval_every", "progress", "callback", "diverge_factor",
    "start", "keep_state", "checkpoint", "keep_params", "trajectory", "record_initial",
)  # fmt: skip


def pbt(
    prob: Problem,
    optimizer: Callable[..., Any],
    space: Any,
    training: Training | int,
    *,
    population: int,
    exploit: Exploit | int,
    explore: Explore | None = None,
    judging: Judging | None = None,
    on_exploit: Callable[[dict], Any] | None = None,
    **sweep_kwargs: Any,
) -> PBTResult:
    """Population based training of ``population`` members.

    Args:
      prob: the problem (see :class:`jaxscape.Problem`).
      optimizer: a factory of keyword hyperparameters, as for :func:`jaxscape.sweep`.
      space: a :class:`~jaxscape.search.Space` without choices, ``{name: kind}``, or
        ``{name: (lo, hi)}`` (log-uniform when ``lo > 0`` and ``hi / lo >= 100``, else
        uniform); plain numbers are fixed (see :mod:`~jaxscape.search.pbt.space`).
      training: a :class:`jaxscape.Training` (steps or epochs, batch size, records, progress,
        callback) or an int of steps. ``training.seed`` seeds every PBT choice and the
        members' weights and batch order; with ``population`` seeds
        (``training.with_seeds(population)``) member ``i`` starts from ``seeds[i]`` and a copy
        continues its parent's. ``eval_every`` defaults to ``max(1, interval // 5)``.
      population: ``N >= 2`` members; their initial values are drawn from the space.
      exploit: an :class:`Exploit` (``interval``, ``burn_in``, ``quantile``) or an int, the
        interval. ``interval >= steps`` is a plain sweep.
      explore: an :class:`Explore` (``resample_probability``, ``perturb``); Ray's defaults.
      judging: a :class:`jaxscape.Judging`: the ranking metric (default its rule: validation
        accuracy, else loss; training metrics without validation data, never test), read at
        the end of each interval, and the divergence factor.
      on_exploit: called after each exploit with ``{"step", "before", "after", "parents",
        "scores"}`` (the :class:`~jaxscape.population.snapshot.PopulationState` before and
        after, ``[N]`` parents and scores, larger better).
      **sweep_kwargs: passed to every :func:`jaxscape.sweep` call (``chunk_size``,
        ``devices``, ``eval_batch_size``, ``sharpness``).

    Returns:
      A :class:`PBTResult`: ``[N, T]`` curves, ``[K, N]`` parents and values, the learned
      schedules (:meth:`PBTResult.schedule`), :meth:`PBTResult.best`.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(2))
      >>> res = js.search.pbt(prob, js.optim.sgd, {"learning_rate": (0.01, 0.5)}, 20,
      ...                     population=4, exploit=5)
      >>> res.boundaries.tolist(), int((res.parents[1] != range(4)).sum())  # ceil(4 q) = 1
      ([0, 5, 10, 15, 20], 1)
    """
    check_problem(prob)
    training = _training(training)
    population = check_positive_int("population", population)
    if population < 2:
        raise ValueError("population must be >= 2 (one member has no one to copy), got 1")
    exploit = Exploit(interval=exploit) if _is_int(exploit) else exploit
    if not isinstance(exploit, Exploit):
        raise TypeError(f"exploit must be an Exploit or an int interval, got {exploit!r}")
    explore = Explore() if explore is None else explore
    if not isinstance(explore, Explore):
        raise TypeError(f"explore must be an Explore, got {type(explore).__name__}")
    judging = Judging() if judging is None else judging
    if not isinstance(judging, Judging):
        raise TypeError(f"judging must be a jaxscape.Judging, got {type(judging).__name__}")
    given = sorted(set(sweep_kwargs) & set(OWNED))
    if given:
        raise ValueError(
            f"pbt takes {given} from its training/judging (or sets them itself); "
            "pass them there, not as sweep keywords"
        )
    if judging.metric is not None and judging.metric not in searched_names(prob):
        raise ValueError(f"metric must be one of {searched_names(prob)}, got {judging.metric!r}")
    seeds = _seeds(training, population)
    steps = training.steps_for(prob.data.n_train if prob.data is not None else None)
    kinds, fixed = resolve_space(space)
    rng = np.random.default_rng(training.seed)
    hyper = sample(rng, kinds, population)
    edges = boundaries(steps, exploit.interval, exploit.burn_in)
    ev = training.eval_every or max(1, exploit.interval // 5)
    kw = {
        "progress": training.progress,
        "callback": training.callback,
        "batch_size": training.batch_size,
        "diverge_factor": judging.diverge_factor,
        **sweep_kwargs,
    }
    plan = (kinds, fixed, seeds, edges, rng, exploit, explore, judging, ev, on_exploit, kw)
    log = _train(prob, optimizer, hyper, plan)
    info = {
        "strategy": "pbt",
        "optimizer": getattr(optimizer, "__name__", type(optimizer).__name__),
        "problem": prob.name,
        "population": population,
        "interval": exploit.interval,
        "burn_in": exploit.burn_in,
        "quantile": float(exploit.quantile),
        "resample_probability": float(explore.resample_probability),
        "perturb": list(explore.perturb),
        "seed": training.seed,
        "distinct_seeds": bool(np.unique(seeds).size > 1),
        "space": describe(kinds),
        "fixed": dict(fixed),
        "eval_every": ev,
        "sweep_kwargs": {
            k: v
            for k, v in kw.items()
            if k not in ("progress", "callback") and isinstance(v, int | float | str | None)
        },
    }
    return _assemble(log, edges, seeds, kinds, info)


def _is_int(x: Any) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool)


def _training(training: Any) -> Training:
    if _is_int(training):
        return Training(steps=check_positive_int("training (steps)", training), progress=False)
    if not isinstance(training, Training):
        raise TypeError(
            f"training must be a jaxscape.Training or an int of steps, got {training!r}"
        )
    if training.checkpoint is not None or training.record_initial:
        raise ValueError("pbt: training.checkpoint and training.record_initial are not supported")
    return training


def _seeds(training: Training, population: int) -> np.ndarray:
    """``[N]`` members' seeds: one shared seed, or one per member."""
    if len(training.seeds) == 1:
        return np.full(population, training.seed, np.int64)
    if len(training.seeds) != population:
        raise ValueError(
            f"training.seeds has {len(training.seeds)} seeds; give one (shared) or one per "
            f"member (population={population})"
        )
    return np.asarray(training.seeds, np.int64)


def _train(prob, optimizer, hyper, plan) -> dict[str, Any]:
    """Train interval by interval, exploiting and exploring at every inner edge."""
    kinds, fixed, seeds, edges, rng, exploit, explore, judging, ev, on_exploit, kw = plan
    log: dict[str, Any] = {"steps": [], "metrics": [], "parents": [], "hyper": []}
    state, parents = None, np.full(seeds.shape[0], -1, np.int64)
    for a, b in itertools.pairwise(edges):
        table = {**fixed, **hyper}
        if state is None and np.unique(seeds).size > 1:
            table["seed"] = seeds
        res = run_interval(prob, optimizer, table, a, b, state, ev, int(seeds[0]), kw)
        log["steps"].append(res.steps)
        log["metrics"].append(res.metrics)
        log["parents"].append(parents)
        log["hyper"].append({k: v.copy() for k, v in hyper.items()})
        log["metric"] = name = judging.choose_metric(res.metrics)
        log["diverged"] = np.asarray(res.diverged, bool)
        if b == edges[-1]:
            break
        scores = scores_of(res.metrics[name][:, -1], judging.higher_is_better(name))
        parents, hyper = exploit_explore(
            rng,
            scores,
            hyper,
            kinds,
            quantile=exploit.quantile,
            perturb=explore.perturb,
            resample_probability=explore.resample_probability,
        )
        state = res.state.take(parents)
        state = write_exposed(state, parents != np.arange(parents.size), hyper)
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


def _assemble(log: dict[str, Any], edges, seeds, kinds, info: dict[str, Any]) -> PBTResult:
    """The :class:`PBTResult` of a finished training log: intervals joined along time."""
    name = log["metric"]
    return PBTResult(
        metric=name,
        maximize=Judging.higher_is_better(name),
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
