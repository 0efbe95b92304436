"""Random search and grid search, each batch trained as one population per structure group."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from jaxscape.population.family import ProblemFamily
from jaxscape.population.judging import Judging
from jaxscape.population.training import Training
from jaxscape.problem import Problem
from jaxscape.search import _optuna as O
from jaxscape.search import params as P
from jaxscape.search._driver import run_search, setup
from jaxscape.search.record import Record
from jaxscape.search.result import SearchResult
from jaxscape.search.space import Space


def random_search(
    prob: Problem | ProblemFamily,
    space: Space,
    training: Training | int,
    *,
    budget: int,
    batch: int | None = None,
    judging: Judging | None = None,
    optimizer: Callable[..., Any] | None = None,
    record: Record | None = None,
) -> SearchResult:
    """Train ``budget`` configurations drawn from ``space``, ``batch`` at a time.

    A batch whose first trial has number ``n`` in the study is ``space.sample(k, seed + n)``;
    its configurations are grouped by structure and every group is one population trained
    with :func:`jaxscape.sweep` (same initial weights and batches for every trial:
    ``training.seed``). Every choice is scored on the validation split; the test split is
    evaluated once, at the end, for the best configuration only (``Record(test=False)``: not at
    all).

    Args:
      prob: the problem; the search never evaluates its test split while it runs. Or a
        :class:`~jaxscape.ProblemFamily`: the space's parameters named like its parameters
        (width, depth, ...) are structural, one population per structure per batch.
      space: the search space.
      training: a :class:`jaxscape.Training` (steps or epochs, batch size, seed, records,
        progress, callback) of every configuration, or an int: that many steps, the other
        options their defaults (``Training(steps=n, progress=False)``). Without
        ``eval_every`` every trial is recorded 10 times (its learning curve in the study).
      budget: configurations in all (finished trials in the study count toward it).
      batch: configurations per batch (default: all of them in one batch).
      judging: a :class:`jaxscape.Judging`: the metric (default: its rule, validation accuracy
        or loss; training metrics without a validation split, measured exactly after the last
        step) and the divergence factor.
      optimizer: the factory when the space has no ``optimizer``/``solver`` choice (SGD).
      record: a :class:`~jaxscape.search.Record`: the Optuna storage and study name (the same
        ones continue the search; several processes may share one), ``on_batch``, ``test``.

    Returns:
      A :class:`~jaxscape.search.SearchResult` of every finished trial in the study. Each
      trial's curve of the metric is in the study as Optuna intermediate values.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> from jaxscape.search import Space, log_uniform, random_search
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
      >>> res = random_search(prob, Space({"learning_rate": log_uniform(1e-2, 1.0)}), 10,
      ...                     budget=4)
      >>> res.n_trials, res.metric
      (4, 'train_loss')
    """
    s = setup(
        prob,
        space,
        training,
        budget=budget,
        batch=batch,
        judging=judging,
        optimizer=optimizer,
        record=record,
        strategy="random",
    )
    seed = s.training.seed

    def draw(study, trials, round_):
        return space.sample(len(trials), seed=seed + trials[0].number)

    sampler, propose = O.given(space, draw)
    return run_search(s, "random", sampler, propose)


def grid_search(
    prob: Problem | ProblemFamily,
    table: Mapping[str, Any],
    training: Training | int,
    *,
    batch: int | None = None,
    judging: Judging | None = None,
    optimizer: Callable[..., Any] | None = None,
    record: Record | None = None,
) -> SearchResult:
    """Train every row of ``table`` (e.g. :func:`jaxscape.grid`), ``batch`` rows at a time.

    Columns must be numbers; the other arguments are those of :func:`random_search`. Each
    trial takes the first row no finished, running or waiting trial holds (its ``"row"``), so
    a resumed grid continues where it stopped (run a grid from one process at a time).

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> from jaxscape.search import grid_search
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
      >>> res = grid_search(prob, js.grid(learning_rate=[0.1, 0.5, 1.0]), 5)
      >>> res.best()["config"]
      {'learning_rate': 1.0}
    """
    if not isinstance(table, Mapping) or not table:
        raise ValueError("table must be a non-empty dict of columns, e.g. js.grid(...)")
    columns = {k: np.atleast_1d(np.asarray(v, dtype=np.float64)) for k, v in table.items()}
    lengths = {v.size for v in columns.values()}
    if len(lengths) != 1:
        raise ValueError(f"table columns have different lengths {sorted(lengths)}")
    n = lengths.pop()
    rows = [{k: float(v[i]) for k, v in columns.items()} for i in range(n)]
    space = Space({k: _column_kind(v) for k, v in columns.items()})
    s = setup(
        prob,
        space,
        training,
        budget=n,
        batch=batch,
        judging=judging,
        optimizer=optimizer,
        record=record,
        strategy="grid",
    )

    def pick(study, trials, round_):
        optuna = O.require_optuna()
        states = optuna.trial.TrialState
        live = (states.COMPLETE, states.RUNNING, states.WAITING)
        taken = {
            t.user_attrs["row"]
            for t in study.get_trials(deepcopy=False, states=live)
            if "row" in t.user_attrs
        }
        free = iter(i for i in range(n) if i not in taken)
        out = []
        for t in trials:
            row = t.user_attrs.get("row")  # a retried trial keeps its row
            if row is None:
                row = next(free)
                t.set_user_attr("row", row)
            out.append(rows[row])
        return out

    sampler, propose = O.given(space, pick)
    return run_search(s, "grid", sampler, propose)


def _column_kind(values: np.ndarray):
    unique = sorted(set(values.tolist()))
    return P.fixed(unique[0]) if len(unique) == 1 else P.categorical(unique)
