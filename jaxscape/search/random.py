"""Random search and grid search, each batch trained as one population per structure group."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from jaxscape.problem import Problem
from jaxscape.search import _optuna as O
from jaxscape.search import params as P
from jaxscape.search._driver import run_search, setup
from jaxscape.search.result import SearchResult
from jaxscape.search.space import Space


def random_search(
    prob: Problem,
    space: Space,
    *,
    budget: int,
    steps: int,
    batch: int | None = None,
    batch_size: int | None = 128,
    seed: int = 0,
    optimizer: Callable[..., Any] | None = None,
    metric: str | None = None,
    storage: str | os.PathLike | Any | None = None,
    study_name: str = "random",
    test: bool = True,
    progress: bool = False,
    callback: Callable[[dict], Any] | None = None,
    on_batch: Callable[[list[dict]], Any] | None = None,
) -> SearchResult:
    """Train ``budget`` configurations drawn from ``space``, ``batch`` at a time.

    A batch whose first trial has number ``n`` in the study is ``space.sample(k, seed + n)``;
    its configurations are grouped by structure and every group is one population trained
    with :func:`jaxscape.sweep` (same initial weights and batches for every trial: ``seed``).
    Every choice is scored on the validation split; the test split is evaluated once, at the
    end, for the best configuration only (``test=False``: not at all).

    Args:
      prob: the problem; with a validation split the search never evaluates its test split.
      space: the search space.
      budget: configurations in all (finished trials in the study count toward it).
      steps: training steps of every configuration.
      batch: configurations per batch (default: all of them in one batch).
      batch_size: mini-batch size (``None``: full batch).
      seed: the trials' shared seed, and the sampling seed.
      optimizer: the factory when the space has no ``optimizer``/``solver`` choice (SGD).
      metric: the score (default ``val_accuracy``, or ``val_loss`` for regression).
      storage: where the Optuna study lives: ``None`` (memory), a database URL such as
        ``"sqlite:///out/search.db"``, or an Optuna storage. Calling again with the same
        storage and study name continues the search; several processes may share one.
      study_name: the study's name in the storage.
      test: evaluate the best configuration on the test split at the end.
      progress: show the engine's progress bars.
      callback: passed to every :func:`jaxscape.sweep` call.
      on_batch: called with the records of every finished batch.

    Returns:
      A :class:`~jaxscape.search.SearchResult` of every finished trial in the study.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> from jaxscape.search import Space, log_uniform, random_search
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
      >>> res = random_search(prob, Space({"learning_rate": log_uniform(1e-2, 1.0)}),
      ...                     budget=4, steps=10)
      >>> res.n_trials, res.metric
      (4, 'train_loss')
    """
    s = setup(
        prob,
        space,
        budget=budget,
        batch=batch,
        steps=steps,
        batch_size=batch_size,
        seed=seed,
        optimizer=optimizer,
        metric=metric,
        storage=storage,
        study_name=study_name,
        test=test,
        progress=progress,
        callback=callback,
        on_batch=on_batch,
    )

    def draw(study, trials, round_):
        return space.sample(len(trials), seed=seed + trials[0].number)

    sampler, propose = O.given(space, draw)
    return run_search(s, "random", sampler, propose)


def grid_search(
    prob: Problem,
    table: Mapping[str, Any],
    *,
    steps: int,
    batch: int | None = None,
    optimizer: Callable[..., Any] | None = None,
    study_name: str = "grid",
    **kwargs: Any,
) -> SearchResult:
    """Train every row of ``table`` (e.g. :func:`jaxscape.grid`), ``batch`` rows at a time.

    Columns must be numbers; the remaining keywords are those of :func:`random_search`. Row
    ``i`` is the ``i``-th trial among those finished or running in the study (so a resumed
    grid continues where it stopped; run a grid from one process at a time).

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> from jaxscape.search import grid_search
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
      >>> res = grid_search(prob, js.grid(learning_rate=[0.1, 0.5, 1.0]), steps=5)
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
        budget=n,
        batch=batch,
        steps=steps,
        optimizer=optimizer,
        study_name=study_name,
        **_defaults(kwargs),
    )

    def pick(study, trials, round_):
        optuna = O.require_optuna()
        live = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.RUNNING)
        numbers = sorted(t.number for t in study.get_trials(deepcopy=False, states=live))
        rank = {num: i for i, num in enumerate(numbers)}
        return [rows[rank[t.number]] for t in trials]

    sampler, propose = O.given(space, pick)
    return run_search(s, "grid", sampler, propose)


def _column_kind(values: np.ndarray):
    unique = sorted(set(values.tolist()))
    return P.fixed(unique[0]) if len(unique) == 1 else P.categorical(unique)


def _defaults(kwargs: dict) -> dict:
    known = dict(
        batch_size=128,
        seed=0,
        metric=None,
        storage=None,
        test=True,
        progress=False,
        callback=None,
        on_batch=None,
    )
    unknown = sorted(set(kwargs) - set(known))
    if unknown:
        raise TypeError(f"grid_search got unknown keyword(s) {unknown}")
    return {**known, **kwargs}
