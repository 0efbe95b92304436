"""Helpers shared by the tuning procedures: metrics, budgets, initial values, chance level.

Splits. Every choice of :mod:`jaxscape.tune` scores the *validation* split (``val_*``
metrics), never the test split: the populations a procedure trains run on
:func:`without_test` of the problem, so the test split is not even evaluated while tuning.
Only :func:`jaxscape.tune.recipe` looks at it, once, for the configuration it chose.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import jax
import numpy as np

from jaxscape._checks import check_batch_size as _check_batch_size
from jaxscape._checks import check_positive_int, check_seed_values
from jaxscape.evaluation import evaluate_split
from jaxscape.population.judging import Judging
from jaxscape.population.seed_weights import seed_weights
from jaxscape.problem import Problem, check_problem  # noqa: F401  (re-exported)

#: Mini-batch size of every procedure unless given (a few dozen steps per epoch on digits).
DEFAULT_BATCH_SIZE = 64


def has_test(prob: Problem) -> bool:
    return prob.data is not None and prob.data.test is not None and prob.data.n_test > 0


def has_val(prob: Problem) -> bool:
    return prob.data is not None and prob.data.n_val > 0


def choice_split(prob: Problem) -> str:
    """The split choices score: ``"val"`` when the problem has one, else ``"train"``."""
    return "val" if has_val(prob) else "train"


def choice_metrics(prob: Problem) -> list[str]:
    """The metrics a choice may score: ``train_*`` and, when the problem has one, ``val_*``."""
    splits = dict.fromkeys((choice_split(prob), "train"))
    return [f"{s}_{m}" for s in splits for m in prob.metric_names]


def default_metric(prob: Problem) -> str:
    """The metric choices score by default: :meth:`jaxscape.Judging.choose_metric` (validation
    accuracy, else validation loss, else training accuracy, else training loss)."""
    return Judging().choose_metric(choice_metrics(prob))


def check_metric(prob: Problem, metric: str | None) -> str:
    """``metric`` (default :func:`default_metric`), one of the train or validation metrics; a
    test metric is refused (:class:`jaxscape.Judging`)."""
    return Judging(metric=metric).choose_metric(choice_metrics(prob))


def score(metric: str, values: np.ndarray) -> np.ndarray:
    """Values turned "higher is better" (losses negated); NaN stays NaN."""
    return Judging().score(metric, values)


def check_batch_size(prob: Problem, batch_size: int | None) -> int | None:
    """:func:`jaxscape._checks.check_batch_size` against the problem's training rows."""
    return _check_batch_size(batch_size, None if prob.data is None else prob.data.n_train)


def n_train(prob: Problem) -> int | None:
    """Rows of the training split (``None`` for a problem without data): what
    :meth:`jaxscape.Training.steps_for` turns epochs into steps with."""
    return None if prob.data is None else prob.data.n_train


def record_every(prob: Problem, batch_size: int | None, steps: int) -> int:
    """Steps between records: once per epoch when the run has at least 2 epochs, else about
    10 records in all."""
    spe = prob.steps_per_epoch(batch_size)
    return spe if steps >= 2 * spe else max(1, steps // 10)


def check_seed(seed: Any) -> int:
    return int(check_seed_values("seed", check_positive_int("seed", seed, allow_zero=True)))


def check_seeds(seeds: Any, seed: int = 0) -> np.ndarray:
    """``seeds`` as an int array: an int ``S`` means ``seed, seed+1, ..., seed+S-1``."""
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        n = check_positive_int("seeds", seeds)
        return check_seed_values("seeds", np.arange(seed, seed + n, dtype=np.int64))
    arr = np.asarray(seeds)
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"seeds must be a positive int or a 1-D list of ints, got {seeds!r}")
    if np.any(arr < 0) or np.unique(arr).size != arr.size:
        raise ValueError(f"seeds must be distinct non-negative ints, got {arr.tolist()}")
    return check_seed_values("seeds", arr)


#: ``evaluate_split`` compiled once per (problem, split shape): the problem is a static
#: argument (hashed by identity), so repeated procedures on one problem reuse the program.
_evaluate = jax.jit(evaluate_split, static_argnames=("prob", "batch_size"))


def initial_metrics_many(prob: Problem, seeds: np.ndarray, batch_size: int = 1024):
    """Exact metrics of the initial weights of every seed, on the training and validation
    splits (evaluation mode; never the test split).

    Returns ``{"train_loss": [S], "train_accuracy": [S], "val_loss": [S], ...}`` (float64).
    """
    splits = [("train", None if prob.data is None else prob.data.train)]
    if has_val(prob):
        splits.append(("val", prob.data.val))
    out: dict[str, list[float]] = {}
    for seed in np.asarray(seeds, dtype=np.int64).tolist():
        params, state = seed_weights(prob, seed)
        for name, split in splits:
            if split is None:
                metrics = prob.evaluate(params, state, None)
            else:
                metrics = _evaluate(
                    prob=prob,
                    params=params,
                    state=state,
                    x=split.x,
                    y=split.y,
                    batch_size=batch_size,
                )
            for k, v in metrics.items():
                out.setdefault(f"{name}_{k}", []).append(float(v))
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def initial_metrics(prob: Problem, seed: int, batch_size: int = 1024) -> dict[str, float]:
    """Exact metrics of the initial weights of ``seed`` on each split (evaluation mode).

    Returns ``{"train_loss": ..., "train_accuracy": ..., "val_loss": ..., ...}``.
    """
    got = initial_metrics_many(prob, np.asarray([seed]), batch_size)
    return {k: float(v[0]) for k, v in got.items()}


def split_initial(metrics: Mapping[str, np.ndarray], row: int = 0) -> tuple[dict, dict]:
    """Split a ``record_initial`` sweep's metrics ``{name: [N, 1 + T]}`` into the initial
    weights' ``train_*``/``val_*`` metrics of trial ``row`` (floats) and the rest ``[N, T]``."""
    initial = {k: float(v[row, 0]) for k, v in metrics.items() if k.startswith(("train_", "val_"))}
    return initial, {k: np.asarray(v)[:, 1:] for k, v in metrics.items()}


def chance_accuracy(prob: Problem) -> float | None:
    """Accuracy of always predicting the most frequent class of the split choices score."""
    if prob.data is None or prob.num_classes is None:
        return None
    split = prob.data.val if has_val(prob) else prob.data.train
    counts = np.bincount(np.asarray(split.y), minlength=prob.num_classes)
    return float(counts.max() / counts.sum())


def choice_split_size(prob: Problem) -> int:
    """Rows of the split choices score (validation, else training)."""
    return prob.data.n_val if has_val(prob) else prob.data.n_train


def without_test(prob: Problem) -> Problem:
    """The same problem without its test split: what every tuning population trains on, so
    the test split is never evaluated while choosing."""
    if not has_test(prob):
        return prob
    return dataclasses.replace(prob, data=dataclasses.replace(prob.data, test=None))


def val_as_test(prob: Problem) -> Problem:
    """The problem with its validation split in the test split's place (and no test split).

    For consumers that know only train/test (:mod:`jaxscape.landscape`): their ``test_*``
    metrics are then validation metrics; rename them with :func:`as_val_metrics`.
    """
    if prob.data is None:
        return prob
    val = prob.data.val if has_val(prob) else None
    return dataclasses.replace(prob, data=dataclasses.replace(prob.data, test=val, val=None))


def as_val_metrics(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """``metrics`` with every ``test_*`` key renamed ``val_*`` (see :func:`val_as_test`)."""
    return {("val_" + k[5:] if k.startswith("test_") else k): v for k, v in metrics.items()}


def factory_name(factory: Callable[..., Any]) -> str:
    return getattr(factory, "__name__", type(factory).__name__)


def check_factory(name: str, factory: Any) -> Callable[..., Any]:
    if not callable(factory):
        raise TypeError(f"{name} must be an optimizer factory, got {type(factory).__name__}")
    return factory


def check_fixed(name: str, fixed: Mapping[str, Any] | None, forbidden: tuple[str, ...]) -> dict:
    if fixed is None:
        return {}
    if not isinstance(fixed, Mapping):
        raise TypeError(f"{name} must be a dict of hyperparameters, got {type(fixed).__name__}")
    clash = sorted(set(fixed) & set(forbidden))
    if clash:
        raise ValueError(f"{name} must not contain {clash}: the procedure sets them")
    return dict(fixed)


def seed_mean(curves: np.ndarray) -> np.ndarray:
    """``[T]`` mean over seeds (axis 0) of ``[S, T]`` curves, ignoring NaN; NaN where every
    seed is NaN (without a warning)."""
    curves = np.asarray(curves, dtype=np.float64)
    count = np.sum(np.isfinite(curves), axis=0)
    total = np.nansum(curves, axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def finite_or_none(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)
