"""Successive halving and Hyperband (Li et al., 2018), every rung a population.

Bracket ``k`` of :func:`~jaxscape.search.hyperband_brackets` samples ``n_0`` configurations;
rung ``i`` trains the live ones to ``r_i`` steps in all, as one population per structure group,
and keeps the top ``n_{i+1}`` by the validation metric (:func:`~jaxscape.search.keep_top`,
ties to the earlier configuration); a problem without held-out data is ranked by its training
metrics evaluated exactly on the parameters the rung ends with (not the mean of the losses seen
before each step, which for a one-step rung is the same starting loss for every
configuration). Survivors *continue* from their own parameters and optimizer state
(:func:`advance`: ``js.sweep(..., start=state.take(rows))``), so a survivor's record at rung
``i`` (its held-out metrics; without held-out data its exact ``train_*`` at the rung's end)
equals an uninterrupted run of ``r_i`` steps (a window mean of ``train_*`` beside held-out
metrics averages the rung's own steps only). Every rung evaluation is one trial of the Optuna
study (``bracket``, ``rung``, ``resource`` = steps added).

Processes sharing a storage run each bracket once: a bracket is claimed when it starts
(:mod:`~jaxscape.search._bracket_claim`); a process waits for the brackets others run and
runs again, from its first rung, a bracket whose process was interrupted or killed (with a
storage keeping heartbeats, as a URL opens it). A resumed search skips the finished brackets;
the records of an abandoned bracket stay in the study but not in the result.
"""

from __future__ import annotations

import dataclasses
import numbers
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from jaxscape._checks import check_positive_int
from jaxscape.population import sweep
from jaxscape.population.judging import Judging
from jaxscape.population.result import higher_is_better
from jaxscape.population.training import Training
from jaxscape.problem import Problem
from jaxscape.search import _bracket_claim as C
from jaxscape.search import _optuna as O
from jaxscape.search._build import build, group_configs
from jaxscape.search._driver import result_from_study, setup
from jaxscape.search._end_metrics import end_train_metrics
from jaxscape.search._evaluate import Run, evaluate_test, hide_test
from jaxscape.search.brackets import bracket_cost, hyperband_brackets, keep_top
from jaxscape.search.record import Record
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
    training: Run,
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
        diverge_factor=training.diverge_factor,
        start=start,
        keep_state=True,
        progress=training.progress,
        callback=training.callback,
    )


def _rung(prob, space, configs, alive, states, steps, training) -> dict[int, dict[str, float]]:
    """Advance the configurations ``alive`` by ``steps``; ``states[i]`` is each one's
    ``(PopulationState, row)``, updated in place. Returns their metrics where the rung ends:
    held-out metrics as recorded; without a validation split, ``train_*`` evaluated exactly on
    the parameters reached (:func:`~jaxscape.search._end_metrics.end_train_metrics`), not the
    window's mean."""
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
        held_out = prob.data is not None and prob.data.n_val > 0
        ends = {} if held_out else end_train_metrics(prob, res.state)
        for row, i in enumerate(members):
            states[i] = (res.state, row)
            out[i] = {k: float(v[row, -1]) for k, v in res.metrics.items()}
            out[i].update({k: float(v[row]) for k, v in ends.items()})
            out[i]["diverged"] = bool(res.diverged[row])
    return out


def hyperband(
    prob: Problem,
    space: Space,
    training: Training | int,
    *,
    eta: int = 3,
    min_steps: int | None = None,
    brackets: list[int] | None = None,
    budget: int | None = None,
    judging: Judging | None = None,
    optimizer: Callable[..., Any] | None = None,
    record: Record | None = None,
) -> SearchResult:
    """Hyperband over ``space``; ``training``'s steps are the most one configuration gets.

    Args:
      training: a :class:`jaxscape.Training` or an int (steps): :math:`R`, the steps of the
        rung that trains longest.
      eta: :math:`\\eta`, the reduction factor.
      min_steps: :math:`r_{min}`, the steps of the shortest rung (default ``R / eta ** 2``,
        at least 1: three brackets; a rung of one or two steps ranks configurations by noise).
      brackets: which brackets to run: bracket ``k`` is ``hyperband_brackets(...)[k % B]``
        (``B`` brackets, most exploratory first; ``k >= B``: a further iteration, with new
        configurations); default one iteration, or what ``budget`` holds. ``[0]`` is
        successive halving with ``n_0`` configurations.
      budget: training steps in all (the sum of every rung's added steps): the brackets,
        iteration after iteration, that fit (:func:`within_budget`). Give ``budget`` or
        ``brackets``, not both.

    The other arguments are those of :func:`~jaxscape.search.random_search`
    (``Record.on_batch`` is called with each rung's records). Bracket ``k`` samples
    ``space.sample(n_0, seed + 7919 * k)``. The result holds one record per rung evaluation
    (``resource``: the steps it added; cumulative sums are steps spent).

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> from jaxscape.search import Space, hyperband, log_uniform
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
      >>> res = hyperband(prob, Space({"learning_rate": log_uniform(1e-3, 1.0)}), 9,
      ...                 eta=3, min_steps=1, brackets=[0])
      >>> res.rung.tolist(), res.resource.tolist()
      ([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2], [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 6])
    """
    s = setup(
        prob,
        space,
        training,
        budget=1,
        batch=1,
        judging=judging,
        optimizer=optimizer,
        record=record,
        strategy="hyperband",
    )
    max_steps = s.training.steps
    plan, chosen, min_steps = _plan(max_steps, eta, min_steps, brackets, budget)
    metric = s.metric
    direction = "maximize" if higher_is_better(metric) else "minimize"
    sampler = O.given_sampler()
    settings = {
        "strategy": "hyperband",
        "metric": metric,
        "problem": prob.name,
        "space": repr(space),
        "max_steps": max_steps,
        "batch_size": s.training.batch_size,
        "seed": s.training.seed,
        "eta": int(eta),
        "min_steps": min_steps,
    }
    with O.quiet_warnings():
        study = O.open_study(s.record.storage, s.study_name, direction, sampler, settings)
        _run_brackets(s, study, sampler, chosen, plan, metric)
        kept = C.finished_claims(study)
        res = result_from_study(
            study, metric, "hyperband", settings, keep=lambda t: t.user_attrs.get("claim") in kept
        )
    if s.record.test and res.n_trials and np.any(np.isfinite(res.scores)):
        best = res.best()
        total = study.get_trials(deepcopy=False)[best["trial"]].user_attrs.get("total_steps")
        training = dataclasses.replace(s.training, steps=int(total or max_steps))
        res = dataclasses.replace(res, test=evaluate_test(prob, space, best["config"], training))
    return res


def _plan(max_steps, eta, min_steps, brackets, budget):
    """``(brackets' rungs, chosen bracket indices, r_min)`` from the user's arguments; bracket
    ``k`` runs ``plan[k % len(plan)]`` (``k >= len(plan)``: a further Hyperband iteration)."""
    if isinstance(eta, bool) or not isinstance(eta, numbers.Integral) or eta < 2:
        raise ValueError(f"eta must be an integer >= 2, got {eta!r}")
    if min_steps is None:
        min_steps = max(1, max_steps // eta**2)
    min_steps = check_positive_int("min_steps", min_steps)
    if min_steps > max_steps:
        raise ValueError(
            f"min_steps ({min_steps}) must be <= the training's steps ({max_steps}), the most "
            "one configuration trains"
        )
    plan = hyperband_brackets(max_steps, eta, min_steps)
    if budget is not None and brackets is not None:
        raise ValueError("give hyperband budget or brackets, not both")
    if budget is not None:
        budget = check_positive_int("budget", budget)
        chosen = within_budget(plan, budget)
        if not chosen:
            cheapest = min(bracket_cost(b) for b in plan)
            raise ValueError(
                f"budget={budget} training steps holds no Hyperband bracket of steps={max_steps}"
                f", eta={eta}, min_steps={min_steps} (the cheapest costs {cheapest} steps)"
            )
        return plan, chosen, min_steps
    chosen = list(range(len(plan))) if brackets is None else list(brackets)
    if any(isinstance(b, bool) or not isinstance(b, numbers.Integral) or b < 0 for b in chosen):
        raise ValueError(f"brackets must be non-negative ints, got {brackets!r}")
    return plan, [int(b) for b in chosen], min_steps


def within_budget(plan: list, budget: int) -> list[int]:
    """Bracket indices, iteration after iteration (``k`` runs ``plan[k % len(plan)]``), most
    exploratory first, of those that fit in ``budget`` steps together (one that would overrun
    what is left is skipped); stops after a whole iteration adds none.

    >>> within_budget(hyperband_brackets(9, 3), 100)  # brackets cost 21, 21, 27 steps
    [0, 1, 2, 3]
    """
    chosen, spent, k, idle = [], 0, 0, 0
    while idle < len(plan):
        cost = bracket_cost(plan[k % len(plan)])
        if spent + cost <= budget:
            chosen.append(k)
            spent, idle = spent + cost, 0
        else:
            idle += 1
        k += 1
    return chosen


def _run_brackets(s, study, sampler, chosen, plan, metric) -> None:
    """Run every bracket of ``chosen`` not done, each once across the processes sharing the
    study (:mod:`~jaxscape.search._bracket_claim`); wait for those others run, and take over
    those they abandoned (storages with heartbeats)."""
    pending = list(chosen)
    prob = hide_test(s.prob)  # one problem object: every bracket reuses its compiled programs
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
                _bracket(s, study, sampler, k, plan[k % len(plan)], metric, mine, prob)
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


def _bracket(s, study, sampler, k, rungs, metric, mine, prob) -> None:
    """Run bracket ``k``'s rungs of ``prob`` (the problem without its test split) under the
    claim ``mine``, recording every rung evaluation."""
    user_cb = s.training.callback

    def beat(facts: dict) -> None:
        C.beat(study, mine)
        if user_cb is not None:
            user_cb(facts)

    training = dataclasses.replace(s.training, callback=beat)
    configs = s.space.sample(rungs[0][0], seed=s.training.seed + 7919 * k)
    alive, states, done = list(range(len(configs))), {}, 0
    curves: dict[int, list[tuple[int, float]]] = {j: [] for j in alive}
    for i, (_, r_i) in enumerate(rungs):
        total = round(r_i)
        got = _rung(prob, s.space, configs, alive, states, total - done, training)
        where = {"bracket": k, "rung": i, "claim": mine.number, "done": done, "total": total}
        records = [
            _record(s, study, sampler, metric, configs[j], j, got[j], curves[j], where)
            for j in alive
        ]
        if s.record.on_batch is not None:
            s.record.on_batch(records)
        done = total
        if i + 1 < len(rungs):
            scores = [r["score"] for r in records]
            keep = keep_top(np.asarray(scores), rungs[i + 1][0])
            alive = sorted(alive[j] for j in keep)


def _record(s, study, sampler, metric, config, j, got, curve, where) -> dict[str, Any]:
    """Tell the study one rung evaluation of configuration ``j``; its curve so far (the metric
    at the end of every rung it reached) is reported as Optuna intermediate values."""
    m = dict(got)
    diverged = m.pop("diverged")
    t = study.ask()
    t.set_user_attr("hyperband_record", True)  # never retried: its bracket is (retry_callback)
    sampler.values[t.number] = O.as_params(s.space, config)
    O.suggest(t, s.space)
    attrs = {
        "config": config,
        "metrics": m,
        "diverged": diverged,
        "resource": where["total"] - where["done"],
        "total_steps": where["total"],
        "round": where["bracket"],
        "bracket": where["bracket"],
        "rung": where["rung"],
        "index": j,
        "claim": where["claim"],
    }
    for name, v in attrs.items():
        t.set_user_attr(name, v)
    value = m.get(metric, float("nan"))
    bad = diverged or not np.isfinite(value)
    curve.append((where["total"], value))
    O.report_curve(t, [c[0] for c in curve], [c[1] for c in curve])
    study.tell(t, (-np.inf if higher_is_better(metric) else np.inf) if bad else value)
    score = np.nan if bad else (value if higher_is_better(metric) else -value)
    return {"trial": t.number, "score": score, **attrs}
