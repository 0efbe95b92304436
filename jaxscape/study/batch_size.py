"""``batch_size``: a learning rate x batch size grid in one population, read after equal
epochs and after equal steps (does the best rate grow like the batch, the linear scaling rule?).

Every trial of the grid runs in one compiled population, its batch size a column of the table
(masked batches, see :mod:`jaxscape.population._batch_mask`). All trials then run the same
number of steps, so each is read at its own budget from the recorded curve:

* **equal epochs**: every trial sees the same number of examples, ``epochs * n_ref``, with
  ``n_ref = B_max * (n_train // B_max)`` the examples of one epoch at the largest batch size
  ``B_max`` (every batch size then sees whole batches). A trial with batch ``b`` is read at
  step ``epoch_steps[b] = round(epochs * n_ref / b)``: ``B_max / b`` times more steps for a
  smaller batch.
* **equal steps**: every trial is read at the same step ``steps`` (default: the equal-epoch
  step of the middle batch size), so a larger batch has seen more examples.

The population runs ``max(epoch_steps, steps)`` steps, recording every
``gcd(epoch_steps, steps)`` steps, so each budget is a recorded step (no interpolation). The
cost is ``max steps x B_max`` rows for every trial: the price of one population, paid
gladly for small models (the digits grid of 72 runs takes about a minute on two CPU cores).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import optax

from jaxscape import data as jdata
from jaxscape import models
from jaxscape._checks import check_positive_int, check_range
from jaxscape.optim import sgd
from jaxscape.population.judging import Judging
from jaxscape.population.sweep import sweep
from jaxscape.population.table import grid
from jaxscape.problem import Problem
from jaxscape.study.batch_size_result import BatchSizeResult

#: Default batch sizes (powers of two, so the linear rule lands on grid cells).
BATCH_SIZES = (8, 16, 32, 64, 128, 256)
#: Default learning rates: powers of two, 2**-9 ... 2**2.
BATCH_LEARNING_RATES = tuple(2.0 ** np.arange(-9, 3))


def budgets(
    n_train: int, batch_sizes: Sequence[int], epochs: float, steps: int | None
) -> tuple[np.ndarray, int]:
    """``(epoch_steps [B], steps)``: each batch size's step after ``epochs`` equal epochs (see
    the module docstring) and the equal-steps budget.

    >>> budgets(1221, [8, 64, 256], 2, None)
    (array([256,  32,   8]), 32)
    """
    sizes = np.asarray(batch_sizes, np.int64)
    b_max = int(sizes.max())
    n_ref = b_max * (n_train // b_max)
    epoch_steps = np.maximum(1, np.round(epochs * n_ref / sizes)).astype(np.int64)
    if steps is None:
        steps = int(epoch_steps[len(sizes) // 2])
    return epoch_steps, check_positive_int("steps", steps)


def batch_size(
    data: jdata.Dataset | None = None,
    *,
    model: Any = None,
    batch_sizes: Sequence[int] = BATCH_SIZES,
    learning_rates: Sequence[float] = BATCH_LEARNING_RATES,
    epochs: float = 8.0,
    steps: int | None = None,
    optimizer: Callable[..., optax.GradientTransformation] = sgd,
    seeds: Sequence[int] = (0,),
    metric: str | None = None,
    progress: bool = False,
) -> BatchSizeResult:
    """Train every learning rate x batch size (x seed) as one population and read the
    validation metric after equal epochs and after equal steps.

    Args:
      data: the dataset (default: the embedded digits); it needs a validation split.
      model: a :mod:`jaxscape.models` spec or ``rngs -> nnx.Module`` without batch statistics
        (default ``MLP(hidden=(64,))``).
      batch_sizes: ``[B]`` distinct batch sizes, each ``<= n_train``.
      learning_rates: ``[L]`` distinct learning rates, each ``> 0``.
      epochs: the equal-epochs budget, in epochs of ``n_ref`` examples (module docstring).
      steps: the equal-steps budget (default: the middle batch size's equal-epoch step).
      optimizer: factory taking ``learning_rate`` (default plain SGD, the rule's setting).
      seeds: ``[R]`` seeds; the grid's cells are their mean.
      metric: the recorded metric to read (default ``val_accuracy``, else ``val_loss``: the
        rule of :meth:`jaxscape.Judging.choose_metric`; never a test metric).
      progress: show a progress bar.

    Returns:
      A :class:`BatchSizeResult` (``at_equal_epochs`` and ``at_equal_steps``: ``[L, B]``).

    Example:
      >>> res = batch_size(batch_sizes=(8, 16), learning_rates=(0.1, 0.2), epochs=0.25,
      ...                  model=models.MLP(hidden=(8,)))
      >>> res.at_equal_epochs.shape, res.epoch_steps.tolist(), res.equal_steps
      ((2, 2), [38, 19], 19)
    """
    data = jdata.digits() if data is None else data
    sizes, rates, seeds = _check_grid(data, batch_sizes, learning_rates, seeds)
    check_range("epochs", epochs, low=0.0, low_open=True)
    epoch_steps, steps = budgets(data.n_train, sizes, epochs, steps)
    prob = Problem.from_model(models.MLP(hidden=(64,)) if model is None else model, data)
    prob.require_weights("the batch-size study")
    total = int(max(epoch_steps.max(), steps))
    every = math.gcd(*epoch_steps.tolist(), steps)
    table = grid(learning_rate=rates, batch_size=sizes, seed=seeds)
    res = sweep(
        prob,
        optimizer,
        table,
        steps=total,
        batch_size=int(sizes.max()),
        eval_every=every,
        seed=int(seeds[0]),
        progress=progress,
    )
    metric = Judging(metric=metric).choose_metric(res.metrics)
    shape = (rates.size, sizes.size, seeds.size)
    return BatchSizeResult(
        learning_rates=rates,
        batch_sizes=sizes,
        seeds=seeds,
        steps=np.asarray(res.steps, np.int64),
        curves=res.metrics[metric].reshape(*shape, -1).astype(np.float64),
        diverged=res.diverged.reshape(shape),
        epoch_steps=epoch_steps,
        equal_steps=steps,
        epochs=float(epochs),
        metric=metric,
        info={
            "problem": prob.name,
            "optimizer": getattr(optimizer, "__name__", type(optimizer).__name__),
            "n_train": data.n_train,
            "compile_s": res.info["compile_s"],
            "run_s": res.info["run_s"],
        },
    )


def _check_grid(data, batch_sizes, learning_rates, seeds):
    """The grid's axes as arrays (sorted), each checked with the argument's name."""
    if not isinstance(data, jdata.Dataset):
        raise TypeError(f"data must be a jaxscape Dataset, got {type(data).__name__}")
    if data.n_val == 0:
        raise ValueError("data has no validation split; the study reads validation metrics")
    sizes = np.asarray([check_positive_int("batch_sizes", b) for b in batch_sizes], np.int64)
    rates = np.asarray(learning_rates, np.float64)
    seeds = np.asarray([check_positive_int("seeds", s, allow_zero=True) for s in seeds])
    for name, arr in (("batch_sizes", sizes), ("learning_rates", rates), ("seeds", seeds)):
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"{name} must be a non-empty sequence")
        if np.unique(arr).size != arr.size:
            raise ValueError(f"{name} has repeated values: {arr.tolist()}")
    if sizes.max() > data.n_train:
        raise ValueError(
            f"batch_sizes must be <= the {data.n_train} training examples, got {sizes.max()}"
        )
    check_range("learning_rates", rates, low=0.0, low_open=True)
    return np.sort(sizes), np.sort(rates), seeds.astype(np.int64)
