"""The loop every strategy shares: claim a batch of trials, propose their configurations,
train them as populations, tell the study, repeat to the budget; then read the study back.

The loop holds no state of its own: everything lives in the study, so the same call after an
interruption (its unfinished batch is marked failed) or from another process on the same
storage continues the search without running a finished trial again.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from jaxscape._checks import check_positive_int
from jaxscape.population.result import higher_is_better
from jaxscape.problem import Problem, check_problem
from jaxscape.search import _optuna as O
from jaxscape.search._build import check_space
from jaxscape.search._evaluate import (
    Training,
    evaluate,
    evaluate_test,
    hide_test,
    score_metric,
    told_value,
)
from jaxscape.search.result import SearchResult
from jaxscape.search.space import Space

#: ``propose(study, trials, round) -> [k] configurations`` for the asked ``trials``.
Propose = Callable[[Any, Sequence[Any], int], list[dict[str, Any]]]


@dataclass(frozen=True)
class Setup:
    """Everything a search needs besides its strategy."""

    prob: Problem
    space: Space
    training: Training
    budget: int
    batch: int
    metric: str | None = None
    storage: Any = None
    study_name: str = "jaxscape-search"
    test: bool = True
    on_batch: Callable[[list[dict[str, Any]]], Any] | None = None


def setup(
    prob: Problem,
    space: Space,
    *,
    budget: int,
    batch: int | None,
    steps: int,
    batch_size: int | None,
    seed: int,
    optimizer: Callable[..., Any] | None,
    metric: str | None,
    storage: Any,
    study_name: str,
    test: bool,
    progress: bool,
    callback: Callable[[dict], Any] | None,
    on_batch: Callable[[list[dict[str, Any]]], Any] | None,
    eval_every: int | None = None,
) -> Setup:
    """Validate a strategy's common arguments (all before anything compiles)."""
    check_problem(prob)
    if not isinstance(space, Space):
        raise TypeError(f"space must be a jaxscape.search.Space, got {type(space).__name__}")
    budget = check_positive_int("budget", budget)
    batch = check_positive_int("batch", budget if batch is None else batch)
    training = Training(
        steps=check_positive_int("steps", steps),
        batch_size=batch_size,
        seed=check_positive_int("seed", seed, allow_zero=True),
        eval_every=eval_every,
        optimizer=optimizer,
        progress=progress,
        callback=callback,
    )
    score_metric(prob, metric)
    check_space(space, optimizer)
    return Setup(prob, space, training, budget, batch, metric, storage, study_name, test, on_batch)


def _settings(s: Setup, strategy: str, metric: str, extra: dict) -> dict[str, Any]:
    t = s.training
    return {
        "strategy": strategy,
        "metric": metric,
        "problem": s.prob.name,
        "space": repr(s.space),
        "steps": t.steps,
        "batch_size": t.batch_size,
        "seed": t.seed,
        "eval_every": t.eval_every,
        "optimizer": getattr(t.optimizer, "__name__", None),
        **extra,
    }


def run_search(
    s: Setup,
    strategy: str,
    sampler: Any,
    propose: Propose,
    extra: dict | None = None,
    reseed: Callable[[int], Any] | None = None,
) -> SearchResult:
    """Run (or continue) the search ``s`` with ``sampler`` and ``propose``; read it back.

    ``reseed(n)``, when given, makes the sampler used for the next batch from ``n``, the
    number of trials the study holds before it is asked: a resumed search, or another process
    joining it, then draws afresh instead of replaying the first draws of a fixed seed.
    """
    metric = score_metric(s.prob, s.metric)
    direction = "maximize" if higher_is_better(metric) else "minimize"
    settings = _settings(s, strategy, metric, extra or {})
    with O.quiet_warnings():
        study = O.open_study(s.storage, s.study_name, direction, sampler, settings)
        prob = hide_test(s.prob)
        while True:
            done = _count_complete(study)
            if reseed is not None:
                study.sampler = reseed(len(study.get_trials(deepcopy=False)))
            trials = O.claim(study, s.batch, s.budget)
            if not trials:
                break
            _run_batch(s, study, prob, trials, done // s.batch, propose, metric)
    res = result_from_study(study, metric, strategy, settings)
    if s.test and res.n_trials and np.any(np.isfinite(res.scores)):
        res = dataclasses.replace(res, test=_test_once(s, study, res.best()))
    return res


def _test_once(s: Setup, study: Any, best: dict[str, Any]) -> dict[str, float]:
    """The best trial's test metrics, evaluated once and kept in the study (``test/N``), so
    a resumed or repeated search reports them without evaluating the test split again."""
    key = f"test/{best['trial']}"
    if key not in study.user_attrs:
        study.set_user_attr(key, evaluate_test(s.prob, s.space, best["config"], s.training))
    return dict(study.user_attrs[key])


def _count_complete(study: Any) -> int:
    optuna = O.require_optuna()
    return len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))


def _run_batch(s: Setup, study, prob, trials, round_, propose, metric) -> None:
    user_cb = s.training.callback

    def beat(facts: dict) -> None:
        O.heartbeat(study, trials)
        if user_cb is not None:
            user_cb(facts)

    training = dataclasses.replace(s.training, callback=beat)
    try:
        configs = propose(study, trials, round_)
        evaluated = evaluate(prob, s.space, configs, training)
    except BaseException:
        O.fail(study, trials)
        raise
    records = []
    for t, config, ev in zip(trials, configs, evaluated, strict=True):
        record = {
            "config": config,
            "metrics": ev.metrics,
            "diverged": ev.diverged,
            "resource": s.training.steps,
            "round": round_,
            "seconds": ev.seconds,
        }
        for k, v in record.items():
            t.set_user_attr(k, v)
        study.tell(t, told_value(ev, metric))
        records.append({"trial": t.number, **record})
    if s.on_batch is not None:
        s.on_batch(records)


def result_from_study(
    study: Any,
    metric: str,
    strategy: str,
    info: dict,
    keep: Callable[[Any], bool] | None = None,
) -> SearchResult:
    """The :class:`SearchResult` of every finished jaxscape trial of ``study`` (those
    ``keep(frozen_trial)`` accepts, when given)."""
    optuna = O.require_optuna()
    every = study.get_trials(deepcopy=False)
    starts = [t.datetime_start for t in every if t.datetime_start is not None]
    t0 = min(starts) if starts else _dt.datetime.now()
    done = [
        t
        for t in every
        if t.state == optuna.trial.TrialState.COMPLETE
        and "config" in t.user_attrs
        and (keep is None or keep(t))
    ]
    done.sort(key=lambda t: (t.datetime_complete, t.number))
    names = list(dict.fromkeys(k for t in done for k in t.user_attrs["metrics"]))

    def attr(name: str, default: int) -> np.ndarray:
        return np.asarray([t.user_attrs.get(name, default) for t in done], dtype=np.int64)

    return SearchResult(
        configs=tuple(dict(t.user_attrs["config"]) for t in done),
        metrics={
            k: np.asarray([t.user_attrs["metrics"].get(k, np.nan) for t in done], np.float64)
            for k in names
        },
        metric=metric,
        resource=attr("resource", 0),
        round=attr("round", 0),
        bracket=attr("bracket", -1),
        rung=attr("rung", -1),
        wall_time=np.asarray(
            [(t.datetime_complete - t0).total_seconds() for t in done], np.float64
        ),
        trial=np.asarray([t.number for t in done], np.int64),
        diverged=np.asarray([bool(t.user_attrs.get("diverged")) for t in done], bool),
        strategy=strategy,
        info={
            **info,
            "study_name": study.study_name,
            "backend": jax.default_backend(),
            "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        },
    )
