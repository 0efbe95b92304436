"""``optimizer_zoo``: the survey's six optimizers x 48 learning rates, one population each."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from jaxscape import data as jdata
from jaxscape import models
from jaxscape._checks import check_positive_int, check_range
from jaxscape.population import sweep
from jaxscape.problem import Problem
from jaxscape.study.criterion import steps_to_streaming_target, steps_to_target
from jaxscape.study.survey import LEARNING_RATES, OPTIMIZERS
from jaxscape.study.zoo_result import ZooResult

OptimizerSpec = tuple[Callable[..., Any], dict[str, Any]]


def survey_problem(data: jdata.Dataset | None = None, width: float = 1.0) -> Problem:
    """The survey's model on ``data`` (default: the embedded digits): the TensorFlow-tutorial
    CNN (:class:`jaxscape.models.CNN`, Glorot-uniform weights, dropout 0.4), whose *test* split
    is the whole training split, so ``test_accuracy`` is the stricter criterion's accuracy.

    >>> survey_problem(width=0.125).num_params
    6426
    """
    ds = jdata.digits() if data is None else data
    if not isinstance(ds, jdata.Dataset) or not ds.is_classification:
        raise TypeError("data must be a classification Dataset (e.g. jaxscape.data.digits())")
    on_train = dataclasses.replace(ds, test=ds.train, val=None)
    cnn = models.CNN(width=width, dropout=0.4, kernel_init="glorot_uniform")
    return Problem.from_model(cnn, on_train, name=f"CNN x{width:g} on {ds.name}")


def _select(optimizers: Sequence[str] | Mapping[str, OptimizerSpec] | None):
    if optimizers is None:
        return dict(OPTIMIZERS)
    if isinstance(optimizers, Mapping):
        return dict(optimizers)
    unknown = [o for o in optimizers if o not in OPTIMIZERS]
    if unknown or not optimizers:
        raise ValueError(f"optimizers must be names among {list(OPTIMIZERS)}; got {optimizers}")
    return {o: OPTIMIZERS[o] for o in optimizers}


def optimizer_zoo(
    data: jdata.Dataset | None = None,
    *,
    optimizers: Sequence[str] | Mapping[str, OptimizerSpec] | None = None,
    learning_rates: Sequence[float] | np.ndarray = LEARNING_RATES,
    max_steps: int = 10_000,
    batch_size: int = 100,
    sample_every: int = 100,
    target: float = 0.97,
    width: float = 1.0,
    seed: int = 0,
    progress: bool = False,
) -> ZooResult:
    """Steps and seconds to a target training accuracy for every optimizer x learning rate.

    The survey's protocol: for each optimizer, one population of ``len(learning_rates)``
    trials (the CNN of :func:`survey_problem`, batch ``batch_size``, one shared seed: same
    initial weights, batches and dropout masks), trained ``max_steps`` steps and recorded every
    ``sample_every`` steps. A trial succeeds at the first recording where the running mean of
    its mini-batch training accuracies since step 0 (dropout on) exceeds ``target``
    (:func:`~jaxscape.study.steps_to_streaming_target`); the stricter criterion asks the whole
    training split's accuracy to reach it (:func:`~jaxscape.study.steps_to_target`).

    Seconds are amortised: a population's run time divided by its trials and steps, times the
    steps a trial needed (its share of the one computation), compile time excluded.

    Args:
      data: a classification dataset of images (default :func:`jaxscape.data.digits`).
      optimizers: names among :data:`~jaxscape.study.OPTIMIZERS` (default all six), or a
        mapping ``name -> (factory, fixed keywords)``.
      learning_rates: ``[R]`` rates tried for every optimizer (default the survey's 48).
      max_steps: the cap; a trial that has not succeeded by then fails.
      batch_size: mini-batch size.
      sample_every: steps per recording (the criterion's resolution).
      target: accuracy to reach.
      width: the CNN's width multiplier.
      seed: the seed shared by every trial.
      progress: show progress bars.

    Returns:
      A :class:`ZooResult` with ``[O * R]`` trials and ``[O * R, T]`` curves.

    Example:
      >>> import jaxscape as js
      >>> res = js.study.optimizer_zoo(optimizers=["Adam"], learning_rates=[1e-3], width=0.125,
      ...                              max_steps=20, sample_every=10, target=0.2)
      >>> res.optimizer.tolist(), res.steps.tolist()
      (['Adam'], [10, 20])
    """
    specs = _select(optimizers)
    rates = np.asarray(learning_rates, np.float64).reshape(-1)
    if rates.size == 0 or not np.all(np.isfinite(rates)) or np.any(rates <= 0):
        raise ValueError("learning_rates must be a non-empty list of positive numbers")
    max_steps = check_positive_int("max_steps", max_steps)
    sample_every = check_positive_int("sample_every", sample_every)
    if max_steps % sample_every:
        raise ValueError(f"max_steps ({max_steps}) must be a multiple of sample_every")
    check_range("target", target, low=0.0, high=1.0)
    prob = survey_problem(data, width)
    parts = [
        _one_optimizer(prob, name, spec, rates, max_steps, batch_size, sample_every, seed, progress)
        for name, spec in specs.items()
    ]
    return _assemble(parts, prob, target, max_steps, batch_size, seed, width)


def _one_optimizer(prob, name, spec, rates, steps, batch_size, every, seed, progress) -> dict:
    factory, fixed = spec
    res = sweep(
        prob,
        factory,
        {**fixed, "learning_rate": rates},
        steps=steps,
        batch_size=batch_size,
        seed=seed,
        eval_every=every,
        progress=progress,
    )
    n = rates.size
    return {
        "optimizer": np.full(n, name, dtype=object),
        "learning_rate": rates,
        "steps": np.asarray(res.steps),
        "train_accuracy": np.asarray(res.metrics["train_accuracy"], np.float64),
        "train_split_accuracy": np.asarray(res.metrics["test_accuracy"], np.float64),
        "diverged": np.asarray(res.diverged, bool),
        "seconds_per_step": np.full(n, res.info["run_s"] / (steps * n)),
        "compile_s": float(res.info["compile_s"]),
        "run_s": float(res.info["run_s"]),
    }


def _assemble(parts, prob, target, max_steps, batch_size, seed, width) -> ZooResult:
    cat = {k: np.concatenate([p[k] for p in parts]) for k in ZooResult.TRIAL_COLUMNS_FROM_RUN}
    steps = parts[0]["steps"]
    return ZooResult(
        optimizer=cat["optimizer"].astype(str),
        learning_rate=cat["learning_rate"],
        width=np.full(cat["learning_rate"].size, float(width)),
        num_params=np.full(cat["learning_rate"].size, prob.num_params, np.int64),
        steps=steps,
        train_accuracy=cat["train_accuracy"],
        train_split_accuracy=cat["train_split_accuracy"],
        steps_to_target=steps_to_streaming_target(cat["train_accuracy"], steps, target),
        steps_to_train_split=steps_to_target(cat["train_split_accuracy"], steps, target),
        seconds_per_step=cat["seconds_per_step"],
        diverged=cat["diverged"],
        target=float(target),
        info={
            "problem": prob.name,
            "max_steps": max_steps,
            "batch_size": batch_size,
            "seed": seed,
            "compile_s": round(sum(p["compile_s"] for p in parts), 3),
            "run_s": round(sum(p["run_s"] for p in parts), 3),
        },
    )
