"""Successive halving and Hyperband (Li et al., 2018), every rung a population.

Bracket ``k`` of :func:`~jaxscape.search.hyperband_brackets` samples ``n_0`` configurations;
rung ``i`` trains the live ones to ``r_i`` steps in all, as one population per structure group,
and keeps the top ``n_{i+1}`` by the validation metric (:func:`~jaxscape.search.keep_top`,
ties to the earlier configuration); a problem without held-out data is ranked by its training
metrics evaluated exactly on the parameters the rung ends with (not the mean of the losses seen
before each step, which for a one-step rung is the same starting loss for every
configuration). Survivors *continue* from their own parameters and optimizer state
(:func:`advance`: ``js.sweep(..., start=state.take(rows))``), so a survivor's record at rung
``i`` (held-out metrics, and the exact ``train_*`` at the rung's end) equals an uninterrupted
run of ``r_i`` steps. Every rung evaluation is one
trial of the Optuna study (``bracket``, ``rung``, ``resource`` = steps added).

Processes sharing a storage run each bracket once: a bracket is claimed when it starts
(:mod:`~jaxscape.search._bracket_claim`); a process waits for the brackets others run and
runs again, from its first rung, a bracket whose process was interrupted or killed (with a
storage keeping heartbeats, as a URL opens it). A resumed search skips the finished brackets;
the records of an abandoned bracket stay in the study but not in the result.
"""

from __future__ import annotations

import dataclasses
import os
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from jaxscape.population import sweep
from jaxscape.population.result import higher_is_better
from jaxscape.problem import Problem
from jaxscape.search import _bracket_claim as C
from jaxscape.search import _optuna as O
from jaxscape.search._build import build, group_configs
from jaxscape.search._driver import result_from_study, setup
from jaxscape.search._end_metrics import end_train_metrics
from jaxscape.search._evaluate import Training, evaluate_test, hide_test, score_metric
from jaxscape.search.brackets import hyperband_brackets, keep_top
from jaxscape.search.result import SearchResult
from jaxscape.search.space import Space

#: Seconds between looks at brackets another process is running.
POLL_S = 1.0


def advance(
    prob: Problem,
    factory: Callable[..., Any],
    table: dict[str, Any],
    start: Any,
    steps: int,
    training: Training,
) -> Any:
    """Train the trials of ``table`` ``steps`` more steps from ``start`` (``None``: from
    scratch), keeping their state; returns the :class:`jaxscape.SweepResult`."""
    return sweep(
        prob,
        factory,
        table,
        steps=steps,
        batch_size=training.batch_size,
        seed=training.seed,
        eval_every=steps,
        start=start,
        keep_state=True,
        progress=training.progress,
        callback=training.callback,
    )


def _rung(prob, space, configs, alive, states, steps, training) -> dict[int, dict[str, float]]:
    """Advance the configurations ``alive`` by ``steps``; ``states[i]`` is each one's
    ``(PopulationState, row)``, updated in place. Returns their metrics where the rung ends:
    held-out metrics as recorded, ``train_*`` evaluated exactly on the parameters reached
    (:func:`~jaxscape.search._end_metrics.end_train_metrics`), not the window's mean."""
    out: dict[int, dict[str, float]] = {}
    groups = group_configs(space, [configs[i] for i in alive])
    for idx in groups.values():
        members = [alive[j] for j in idx]
        factory, table = build(space, [configs[i] for i in members], training.optimizer)
        start = None
        if members[0] in states:
            state = states[members[0]][0]
            start = state.take([states[i][1] for i in members])
        res = advance(prob, factory, table, start, steps, training)
        ends = end_train_metrics(prob, res.state)
        for row, i in enumerate(members):
            states[i] = (res.state, row)
            out[i] = {k: float(v[row, -1]) for k, v in res.metrics.items()}
            out[i].update({k: float(v[row]) for k, v in ends.items()})
            out[i]["diverged"] = bool(res.diverged[row])
    return out


def hyperband(
    prob: Problem,
    space: Space,
    *,
    max_steps: int,
    eta: int = 3,
    min_steps: int = 1,
    brackets: list[int] | None = None,
    batch_size: int | None = 128,
    seed: int = 0,
    optimizer: Callable[..., Any] | None = None,
    metric: str | None = None,
    storage: str | os.PathLike | Any | None = None,
    study_name: str = "hyperband",
    test: bool = True,
    progress: bool = False,
    callback: Callable[[dict], Any] | None = None,
) -> SearchResult:
    """Hyperband over ``space`` with at most ``max_steps`` steps per configuration.

    Args:
      max_steps: :math:`R`; ``min_steps``: :math:`r_{min}`; ``eta``: :math:`\\eta`.
      brackets: which brackets to run (indices into :func:`hyperband_brackets`, most
        exploratory first); default all. ``[0]`` is successive halving with ``n_0`` configs.

    The other arguments are those of :func:`~jaxscape.search.random_search`. Bracket ``k``
    samples ``space.sample(n_0, seed + 7919 * k)``. The result holds one record per rung
    evaluation (``resource``: the steps it added; cumulative sums are steps spent).

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> from jaxscape.search import Space, hyperband, log_uniform
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
      >>> res = hyperband(prob, Space({"learning_rate": log_uniform(1e-3, 1.0)}),
      ...                 max_steps=9, eta=3, brackets=[0])
      >>> res.rung.tolist(), res.resource.tolist()
      ([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2], [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 6])
    """
    plan = hyperband_brackets(max_steps, eta, min_steps)
    chosen = list(range(len(plan))) if brackets is None else [int(b) for b in brackets]
    if any(not 0 <= b < len(plan) for b in chosen):
        raise ValueError(f"brackets must be indices in [0, {len(plan)}), got {brackets}")
    s = setup(
        prob,
        space,
        budget=1,
        batch=1,
        steps=int(max_steps),
        batch_size=batch_size,
        seed=seed,
        optimizer=optimizer,
        metric=metric,
        storage=storage,
        study_name=study_name,
        test=test,
        progress=progress,
        callback=callback,
        on_batch=None,
    )
    metric = score_metric(prob, metric)
    direction = "maximize" if higher_is_better(metric) else "minimize"
    sampler = O.given_sampler()
    extra = {"strategy": "hyperband", "eta": int(eta), "min_steps": min_steps}
    settings = {
        "metric": metric,
        "problem": prob.name,
        "space": repr(space),
        "max_steps": int(max_steps),
        "batch_size": batch_size,
        "seed": s.training.seed,
        **extra,
    }
    with O.quiet_warnings():
        study = O.open_study(storage, study_name, direction, sampler, settings)
        _run_brackets(s, study, sampler, chosen, plan, metric)
        kept = C.finished_claims(study)
        res = result_from_study(
            study, metric, "hyperband", settings, keep=lambda t: t.user_attrs.get("claim") in kept
        )
    if test and res.n_trials and np.any(np.isfinite(res.scores)):
        best = res.best()
        steps = int(res.info.get("max_steps", max_steps))
        total = study.get_trials(deepcopy=False)[best["trial"]].user_attrs.get("total_steps")
        training = dataclasses.replace(s.training, steps=int(total or steps))
        res = dataclasses.replace(res, test=evaluate_test(prob, space, best["config"], training))
    return res


def _run_brackets(s, study, sampler, chosen, plan, metric) -> None:
    """Run every bracket of ``chosen`` not done, each once across the processes sharing the
    study (:mod:`~jaxscape.search._bracket_claim`); wait for those others run, and take over
    those they abandoned (storages with heartbeats)."""
    pending = list(chosen)
    while pending:
        waiting = []
        for k in pending:
            state = C.status(study, k)
            mine = C.claim(study, k) if state == "free" else None
            if mine is None:
                if state != "done":
                    waiting.append(k)
                continue
            try:
                _bracket(s, study, sampler, k, plan[k], metric, mine)
            except BaseException:
                C.abandon(study, mine)
                raise
            C.finish(study, mine)
        if waiting and not O._heartbeats(study):
            warnings.warn(
                f"brackets {waiting} are claimed by another process and this storage keeps no "
                "heartbeats to tell whether it is alive; returning without them",
                stacklevel=3,
            )
            return
        pending = waiting
        if pending:
            time.sleep(POLL_S)


def _bracket(s, study, sampler, k, rungs, metric, mine) -> None:
    """Run bracket ``k``'s rungs under the claim ``mine``, recording every rung evaluation."""
    prob = hide_test(s.prob)
    user_cb = s.training.callback

    def beat(facts: dict) -> None:
        C.beat(study, mine)
        if user_cb is not None:
            user_cb(facts)

    s = dataclasses.replace(s, training=dataclasses.replace(s.training, callback=beat))
    configs = s.space.sample(rungs[0][0], seed=s.training.seed + 7919 * k)
    alive, states, done = list(range(len(configs))), {}, 0
    for i, (_, r_i) in enumerate(rungs):
        total = round(r_i)
        got = _rung(prob, s.space, configs, alive, states, total - done, s.training)
        scores = []
        for j in alive:
            m = dict(got[j])
            diverged = m.pop("diverged")
            t = study.ask()
            sampler.values[t.number] = O.as_params(s.space, configs[j])
            O.suggest(t, s.space)
            attrs = {
                "config": configs[j],
                "metrics": m,
                "diverged": diverged,
                "resource": total - done,
                "total_steps": total,
                "round": k,
                "bracket": k,
                "rung": i,
                "index": j,
                "claim": mine.number,
            }
            for name, v in attrs.items():
                t.set_user_attr(name, v)
            value = m.get(metric, float("nan"))
            bad = diverged or not np.isfinite(value)
            study.tell(t, (-np.inf if higher_is_better(metric) else np.inf) if bad else value)
            scores.append(np.nan if bad else (value if higher_is_better(metric) else -value))
        done = total
        if i + 1 < len(rungs):
            keep = keep_top(np.asarray(scores), rungs[i + 1][0])
            alive = [alive[j] for j in keep]
            alive.sort()
