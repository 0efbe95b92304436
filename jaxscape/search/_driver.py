"""The loop every strategy shares: claim a batch of trials, propose their configurations,
train them as populations, tell the study, repeat to the budget; then read the study back.

The loop holds no state of its own: everything lives in the study, so the same call after an
interruption (its unfinished batch is marked failed) or from another process on the same
storage continues the search without running a finished trial again. A process whose budget is
claimed but not finished waits for the others (storages with heartbeats): a killed process's
trials go stale and are run again (:func:`~jaxscape.search._optuna.retry_callback`), so the
surviving processes meet the budget.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from jaxscape._checks import check_positive_int
from jaxscape.population.family import ProblemFamily
from jaxscape.population.judging import Judging
from jaxscape.population.result import higher_is_better
from jaxscape.population.training import Training
from jaxscape.problem import Problem
from jaxscape.search import _optuna as O
from jaxscape.search._build import check_space
from jaxscape.search._evaluate import (
    Evaluated,
    Run,
    evaluate,
    evaluate_test,
    evaluate_test_weights,
    example_problem,
    hide_test,
    make_run,
    problem_of,
    search_metric,
    structural_names,
    told_value,
)
from jaxscape.search.record import Record
from jaxscape.search.result import SearchResult
from jaxscape.search.space import Space

#: Seconds between looks at the study while other processes' trials finish.
POLL_S = 1.0

#: ``propose(study, trials, round) -> [k] configurations`` for the asked ``trials``.
Propose = Callable[[Any, Sequence[Any], int], list[dict[str, Any]]]


@dataclass(frozen=True)
class Setup:
    """Everything a search needs besides its strategy."""

    prob: Problem
    space: Space
    training: Run
    judging: Judging
    budget: int
    batch: int
    record: Record
    study_name: str
    example: Problem | None = None  # a family's problem of one structure (data, metrics)

    @property
    def metric(self) -> str:
        return search_metric(self.prob if self.example is None else self.example, self.judging)


def setup(
    prob: Problem | ProblemFamily,
    space: Space,
    training: Training | int,
    *,
    budget: int,
    batch: int | None,
    judging: Judging | None,
    optimizer: Callable[..., Any] | None,
    record: Record | None,
    strategy: str,
    names: tuple[str, str] = ("budget", "batch"),
) -> Setup:
    """Validate a strategy's common arguments (all before anything compiles); ``names`` are
    the names the user gave ``budget`` and ``batch`` (``("rounds * per_round", "per_round")``),
    which its errors say."""
    budget_name, batch_name = names
    if not isinstance(space, Space):
        raise TypeError(f"space must be a jaxscape.search.Space, got {type(space).__name__}")
    if isinstance(prob, ProblemFamily) and strategy == "hyperband":
        raise TypeError(
            "hyperband takes a Problem, not a ProblemFamily (its rungs continue one "
            "population); search a family with random_search or optuna_search"
        )
    example = example_problem(prob, space)
    judging = Judging() if judging is None else judging
    if not isinstance(judging, Judging):
        raise TypeError(f"judging must be a jaxscape.Judging, got {type(judging).__name__}")
    record = Record() if record is None else record
    if not isinstance(record, Record):
        raise TypeError(f"record must be a jaxscape.search.Record, got {type(record).__name__}")
    budget = check_positive_int(budget_name, budget)
    batch = check_positive_int(batch_name, budget if batch is None else batch)
    run = make_run(example, training, judging, optimizer)
    search_metric(example, judging)
    check_space(space, optimizer, structural_names(prob))
    if budget > 1 and not space.searched():
        raise ValueError(
            f"space has nothing to search (every parameter is fixed: {space!r}); {budget_name}="
            f"{budget} would train {budget} identical configurations. Give a parameter a range"
        )
    name = record.name(strategy)
    return Setup(prob, space, run, judging, budget, batch, record, name, example)


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
    metric = s.metric
    direction = "maximize" if higher_is_better(metric) else "minimize"
    settings = _settings(s, strategy, metric, extra or {})
    kept = _Kept() if s.record.test else None
    with O.quiet_warnings():
        study = O.open_study(s.record.storage, s.study_name, direction, sampler, settings)
        prob = hide_test(s.prob)
        while True:
            done = _count_complete(study)
            if reseed is not None:
                study.sampler = reseed(len(study.get_trials(deepcopy=False)))
            trials = O.claim(study, s.batch, s.budget)
            if not trials:
                if done < s.budget and O.others_running(study):
                    time.sleep(POLL_S)  # wait for other processes' trials, or their recovery
                    continue
                break
            _run_batch(s, study, prob, trials, (done // s.batch, metric), propose, kept)
    res = result_from_study(study, metric, strategy, settings)
    if s.record.test and res.n_trials and np.any(np.isfinite(res.scores)):
        res = dataclasses.replace(res, test=_test_once(s, study, res.best(), kept))
    return res


@dataclass
class _Kept:
    """The trained weights of the best trial this process has run (``final``: ``(params,
    model_state)`` on the host), so the test split is evaluated on them instead of training
    that configuration again."""

    trial: int = -1
    metrics: dict[str, float] = dataclasses.field(default_factory=dict)
    final: tuple[Any, Any] | None = None

    def offer(self, metric: str, batch: list[tuple[int, Evaluated]]) -> None:
        """Keep the best of the kept trial and ``batch`` (trial numbers and results), ranked
        as :meth:`SearchResult.best_index` ranks (``Judging.rank``, ties to the earlier)."""
        held = [(self.trial, self.metrics, False)] if self.final is not None else []
        cands = sorted(held + [(n, ev.metrics, ev.diverged) for n, ev in batch])
        names = set().union(*(m for _, m, _ in cands))
        finals = {
            k: np.array([np.nan if dv else m.get(k, np.nan) for _, m, dv in cands], np.float64)
            for k in names
        }
        ok = ~np.array([dv for _, _, dv in cands])
        first = int(Judging(metric=metric).rank(finals, ok=ok)[0])
        trial, metrics, diverged = cands[first]
        if trial == self.trial or diverged or not np.isfinite(finals[metric][first]):
            return
        ev = dict(batch)[trial]
        self.trial, self.metrics, self.final = trial, metrics, ev.final()


def _test_once(
    s: Setup, study: Any, best: dict[str, Any], kept: _Kept | None = None
) -> dict[str, float]:
    """The best trial's test metrics, evaluated once and kept in the study (``test/N``), so
    a resumed or repeated search reports them without evaluating the test split again. On the
    weights this process kept for it when it ran that trial; otherwise (another process's
    trial, or an earlier call's) trained again alone, with the same numbers."""
    key = f"test/{best['trial']}"
    if key not in study.user_attrs:
        if kept is not None and kept.trial == best["trial"]:
            test = evaluate_test_weights(problem_of(s.prob, best["config"]), kept.final)
        else:
            test = evaluate_test(s.prob, s.space, best["config"], s.training, s.batch)
        study.set_user_attr(key, test)
    return dict(study.user_attrs[key])


def _count_complete(study: Any) -> int:
    optuna = O.require_optuna()
    return len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))


def _run_batch(s: Setup, study, prob, trials, at: tuple, propose, kept: _Kept | None) -> None:
    """Train and tell one batch (``at``: its round and the metric told); ``kept`` is offered
    the batch's trained weights."""
    (round_, metric), user_cb = at, s.training.callback

    def beat(facts: dict) -> None:
        O.heartbeat(study, trials)
        if user_cb is not None:
            user_cb(facts)

    training = dataclasses.replace(s.training, callback=beat)
    try:
        configs = propose(study, trials, round_)
        evaluated = evaluate(prob, s.space, configs, training, keep_final=kept is not None)
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
        O.report_curve(t, ev.steps, ev.curves.get(metric, ()))
        study.tell(t, told_value(ev, metric))
        records.append({"trial": t.number, **record})
    if kept is not None:
        kept.offer(metric, [(t.number, ev) for t, ev in zip(trials, evaluated, strict=True)])
    if s.record.on_batch is not None:
        s.record.on_batch(records)


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
