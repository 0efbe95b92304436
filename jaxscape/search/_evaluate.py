"""Evaluate configurations as populations (one :func:`jaxscape.sweep` per structure group).

The search scores on the validation split: while it runs, the problem's test split is hidden
from the engine (not evaluated at all), and :func:`evaluate_test` evaluates the chosen
configuration on it once, at the end. A dataset without a validation split is scored on the
training metrics, never on the test split (choosing on the test split would make its final
report biased).

The problem may be a :class:`~jaxscape.ProblemFamily`: the space's parameters named like the
family's are structural (part of each group's key, see :func:`~jaxscape.search._build.group_key`),
and each group trains the family's problem of its structure.
"""

from __future__ import annotations

import dataclasses
import numbers
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from jaxscape._checks import check_positive_int
from jaxscape.evaluation import evaluate_split
from jaxscape.population import sweep
from jaxscape.population.family import ProblemFamily
from jaxscape.population.judging import Judging
from jaxscape.population.result import higher_is_better
from jaxscape.population.seed_weights import seed_weights
from jaxscape.population.training import Training
from jaxscape.problem import Problem, check_problem
from jaxscape.search._build import build, group_configs, group_share
from jaxscape.search._end_metrics import end_train_metrics
from jaxscape.search.space import Space


def structural_names(prob: Problem | ProblemFamily) -> tuple[str, ...]:
    """The space's parameters that go to ``prob``'s build: a family's parameters, else none."""
    return prob.parameters if isinstance(prob, ProblemFamily) else ()


def problem_of(prob: Problem | ProblemFamily, config: Mapping[str, Any]) -> Problem:
    """The problem ``config`` trains: ``prob``, or a family's problem of its structural values
    (checked, naming the space's parameter)."""
    if not isinstance(prob, ProblemFamily):
        return prob
    values = {k: config[k] for k in prob.parameters if k in config}
    prob.structure(values, "space parameter {!r}")
    return prob.problem(**values)


def example_problem(prob: Problem | ProblemFamily, space: Space) -> Problem:
    """The problem a search reads its data, budget and metrics from: ``prob``, or a family's
    problem of the space's first sampled configuration (which checks the family's
    parameters against the space)."""
    if isinstance(prob, ProblemFamily):
        return problem_of(prob, space.sample(1)[0])
    return check_problem(prob)


@dataclass(frozen=True)
class Run:
    """How every configuration of a search trains: the user's :class:`~jaxscape.Training`
    resolved to ``steps``, the optimizer of a space without an optimizer choice, and the
    divergence factor of the :class:`~jaxscape.Judging`."""

    steps: int
    batch_size: int | None = 128
    seed: int = 0
    eval_every: int | None = None
    optimizer: Callable[..., Any] | None = None
    progress: bool = False
    callback: Callable[[dict], Any] | None = None
    diverge_factor: float = 100.0

    def schedule(self) -> dict[str, Any]:
        """What decides a configuration's numbers, as :func:`jaxscape.sweep` keywords (the
        search's sweeps and the final test run train alike)."""
        return {
            "steps": self.steps,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "eval_every": self.eval_every or default_every(self.steps),
            "diverge_factor": self.diverge_factor,
        }


def as_training(training: Training | int) -> Training:
    """``training``, or for an int ``n`` the short form ``Training(steps=n, progress=False)``."""
    if isinstance(training, Training):
        return training
    if isinstance(training, numbers.Integral) and not isinstance(training, bool):
        return Training(steps=check_positive_int("training (steps)", training), progress=False)
    raise TypeError(
        "training must be a jaxscape.Training or an int (steps), "
        f"got {type(training).__name__} {training!r}"
    )


def make_run(
    prob: Problem, training: Training | int, judging: Judging, optimizer: Any = None
) -> Run:
    """The :class:`Run` of ``training`` on ``prob`` (a budget in epochs becomes steps)."""
    training = as_training(training)
    if training.checkpoint is not None:
        raise ValueError(
            "training.checkpoint: a search resumes through its study (Record(storage=...)), "
            "not a sweep checkpoint; leave checkpoint=None"
        )
    if training.record_initial:
        raise ValueError("training.record_initial: a search records final metrics; leave it False")
    n_train = prob.data.n_train if prob.data is not None else None
    return Run(
        steps=training.steps_for(n_train),
        batch_size=training.batch_size,
        seed=training.seed,
        eval_every=training.eval_every,
        optimizer=optimizer,
        progress=training.progress,
        callback=training.callback,
        diverge_factor=judging.diverge_factor,
    )


def searched_names(prob: Problem) -> list[str]:
    """The metrics a search records: ``train_*``, and ``val_*`` with a validation split."""
    splits = ("train", "val") if prob.data is not None and prob.data.n_val > 0 else ("train",)
    return [f"{s}_{m}" for s in splits for m in prob.metric_names]


def search_metric(prob: Problem, judging: Judging) -> str:
    """The metric a search ranks by: :meth:`jaxscape.Judging.choose_metric` (the project's one
    rule: validation, never test; without validation data the training metrics)."""
    return judging.choose_metric(searched_names(prob))


def hide_test(prob: Problem | ProblemFamily) -> Problem | ProblemFamily:
    """``prob`` without its test split (nothing else changes): a search never reads it. A
    family's problems each without theirs."""
    if isinstance(prob, ProblemFamily):
        return prob.map(hide_test)
    if prob.data is None or prob.data.test is None:
        return prob
    return dataclasses.replace(prob, data=dataclasses.replace(prob.data, test=None))


#: The most bytes of parameters a group's trained weights may take to be kept on the
#: host (``evaluate(keep_final=True)``); beyond it the chosen configuration trains again.
KEEP_BYTES = 256 * 2**20


@dataclass(frozen=True)
class Evaluated:
    """What one configuration's training gave: final metrics, divergence, seconds, and its
    curves: ``steps`` ``[T]`` recorded steps and ``curves`` ``{name: [T]}``; with
    ``evaluate(keep_final=True)``, ``final() -> (params, model_state)``: its trained weights,
    read to the host when called (until then they stay on the devices with their
    population's)."""

    metrics: dict[str, float]
    diverged: bool
    seconds: float
    steps: tuple[int, ...] = ()
    curves: dict[str, tuple[float, ...]] = dataclasses.field(default_factory=dict)
    final: Callable[[], tuple[Any, Any]] | None = dataclasses.field(
        default=None, compare=False, repr=False
    )


def evaluate(
    prob: Problem | ProblemFamily,
    space: Space,
    configs: Sequence[Mapping[str, Any]],
    training: Run,
    keep_final: bool = False,
) -> list[Evaluated]:
    """Train ``configs`` as one population per structure group; ``[n]`` results in order
    (``keep_final``: each with its trained weights, :attr:`Evaluated.final`, where the model
    holds no state besides its parameters and a group's parameters take at most
    :data:`KEEP_BYTES`: they are collected as the population's ``keep_params``, which leaves
    the compaction of dead lanes on).

    ``prob`` is used as given (hide its test split first with :func:`hide_test`). Every
    group's factory and table are built, and so validated, before any group compiles. Without
    a validation split the ``train_*`` metrics are evaluated exactly on the final parameters
    (:func:`~jaxscape.search._end_metrics.end_train_metrics`), not a window's mean of the
    losses seen before each step.
    """
    names = structural_names(prob)
    groups = group_configs(space, configs, names)
    built = {
        key: (problem_of(prob, configs[idx[0]]), *build(space, [configs[i] for i in idx],
                                                       training.optimizer, names))
        for key, idx in groups.items()
    }  # fmt: skip
    # Every group of a batch is sized as a batch's share of one structure, so the batches of a
    # search share one compiled program per structure whatever their groups' sizes.
    pad_to = group_share(space, len(configs), names)
    out: list[Evaluated | None] = [None] * len(configs)
    for key, idx in groups.items():
        problem, factory, table = built[key]
        held_out = problem.data is not None and problem.data.n_val > 0
        keep, state0 = _keepable(problem, training.seed, len(idx)) if keep_final else (False, None)
        tic = time.perf_counter()
        res = sweep(
            problem,
            factory,
            table,
            **training.schedule(),
            progress=training.progress,
            callback=training.callback,
            keep_state=not held_out,
            keep_params=keep,
            pad_to=pad_to,
        )
        ends = {} if held_out else end_train_metrics(problem, res.state)
        seconds = time.perf_counter() - tic
        for j, i in enumerate(idx):
            metrics = {k: float(v[j, -1]) for k, v in res.metrics.items()}
            metrics.update({k: float(v[j]) for k, v in ends.items()})
            # the last point is the final metric (exact for train_* without held-out data)
            curves = {k: (*map(float, v[j, :-1]), metrics[k]) for k, v in res.metrics.items()}
            steps = tuple(int(t) for t in res.steps)
            final = _kept_lane(res.params, j, state0) if keep else None
            out[i] = Evaluated(metrics, bool(res.diverged[j]), seconds, steps, curves, final)
    return out  # type: ignore[return-value]


def default_every(steps: int) -> int:
    """Steps per record when the training gives none: ten records per trial (the learning
    curves reported to the study), each held-out record an exact evaluation."""
    return max(1, steps // 10)


def told_value(ev: Evaluated, metric: str) -> float:
    """The value given to the study: the metric, or the worst value (±inf) when the trial
    diverged or has no finite value (a NaN would mark the trial failed and re-run it)."""
    value = ev.metrics.get(metric, float("nan"))
    if ev.diverged or not np.isfinite(value):
        return -np.inf if higher_is_better(metric) else np.inf
    return float(value)


def evaluate_test(
    prob: Problem | ProblemFamily,
    space: Space,
    config: Mapping[str, Any],
    training: Run,
    batch: int = 1,
) -> dict[str, float]:
    """The final ``test_*`` metrics of ``config`` trained alone, evaluated once.

    Trains the same steps, batches and seed as the search did (so its validation metrics equal
    the search's) on the problem with its test split hidden, sized as one of the search's
    ``batch``-configuration batches (so it reuses the search's compiled programs), then
    evaluates the final weights exactly over the test split; returns ``{}`` when the data has
    no test split.
    """
    names = structural_names(prob)
    prob = problem_of(prob, config)
    if prob.data is None or prob.data.n_test == 0:
        return {}
    factory, table = build(space, [config], training.optimizer, names)
    res = sweep(
        hide_test(prob),
        factory,
        table,
        **training.schedule(),
        progress=False,
        keep_state=True,
        pad_to=group_share(space, batch, names),
    )
    if res.diverged[0]:
        return {f"test_{m}": float("nan") for m in prob.metric_names}
    return evaluate_test_weights(prob, _lane_of(res.state.trials, 0))


def evaluate_test_weights(prob: Problem, final: tuple[Any, Any]) -> dict[str, float]:
    """The ``test_*`` metrics of trained weights ``final = (params, model_state)``, evaluated
    exactly over ``prob``'s test split; ``{}`` when the data has none."""
    if prob.data is None or prob.data.n_test == 0:
        return {}
    params, state = final
    test = prob.data.test
    got = _evaluate_test_split(prob, params, state, test.x, test.y)
    return {f"test_{k}": float(v) for k, v in got.items()}


def _keepable(problem: Problem, seed: int, n: int) -> tuple[bool, Any]:
    """Whether ``n`` trials' trained weights are kept (a stateless model, parameters within
    :data:`KEEP_BYTES`), and the model's state (from the seed's memoised initial weights)."""
    params, state = seed_weights(problem, seed)
    size = n * sum(a.nbytes for a in jax.tree.leaves(params))
    return size <= KEEP_BYTES and not jax.tree.leaves(state), state


def _kept_lane(params: Any, j: int, state: Any) -> Callable[[], tuple[Any, Any]]:
    """``() -> (params, model_state)`` of trial ``j`` of a population's kept parameters
    (leading ``[N]``) and its (stateless) model's state."""
    return lambda: (_lane(params, j), state)


def _lane_of(trials: Any, j: int) -> tuple[Any, Any]:
    """``(params, model_state)`` of lane ``j`` of a kept population state."""
    return _lane((trials.params, trials.model_state), j)


def _lane(tree: Any, j: int) -> Any:
    """Row ``j`` of every leaf of ``tree``, read on the host (no program per shape)."""

    def row(a: Any) -> Any:
        if jax.dtypes.issubdtype(a.dtype, jax.dtypes.prng_key):
            return a[j]
        return np.asarray(a)[j]

    return jax.tree.map(row, tree)


def _evaluate_test_split(prob: Problem, params: Any, state: Any, x: Any, y: Any) -> dict:
    fn = _TEST_EVAL.get(prob.evaluate)
    if fn is None:
        fn = _TEST_EVAL[prob.evaluate] = jax.jit(
            lambda p, s, x, y: evaluate_split(prob, p, s, x, y, 1024)
        )
    return fn(params, state, x, y)


#: One jitted test evaluation per problem (a search evaluates the test split once).
_TEST_EVAL: dict[Any, Any] = {}
