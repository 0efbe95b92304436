"""``range_test``: one range test over any numeric hyperparameter, in parallel or as a ramp.

:func:`jaxscape.tune.lr_range_test` and :func:`jaxscape.tune.momentum_range_test` are presets
of it: the hyperparameter, its scale (:mod:`jaxscape.tune.range_tests._scale`), its default range
and the suggestion rules that apply to it are data they pass in.

**Parallel** (no ``ramp``): ``num`` fixed values (or ``values``), evenly spaced on the
scale between ``bounds``, each trained for the same short budget from the same initial weights
and mini-batches, as one population; the band rule of :mod:`jaxscape.tune.range_tests.band` chooses.

**Ramp** (``ramp=``:class:`~jaxscape.tune.Ramp`): one run whose value grows from
``bounds[0]`` to ``bounds[1]`` over ``num`` steps (or epochs), exponentially (linear on the
scale) or linearly; the curve is
smoothed (:func:`jaxscape.tune.range_tests.smoothing.ema`), stopped where it exceeds ``stop_factor``
times its best, trimmed, and read by the rules of :mod:`jaxscape.tune.range_tests.suggest`.

References:
  L. N. Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017 (the range
  test). J. Howard and S. Gugger, "Fastai: A Layered API for Deep Learning", Information 11(2),
  2020, and fastai's ``Learner.lr_find`` (the ramp, its smoothing, stopping and rules).
  L. N. Smith, "A disciplined approach to neural network hyper-parameters: Part 1", arXiv
  1803.09820, 2018 (range tests of momentum and weight decay).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import optax

from jaxscape._checks import check_choice, check_positive_int
from jaxscape.optim import hyperparameter_names, sgd
from jaxscape.population.judging import Judging
from jaxscape.population.training import Training
from jaxscape.problem import Problem
from jaxscape.tune._common import (
    check_batch_size,
    check_factory,
    check_fixed,
    check_metric,
    check_problem,
    check_seed,
    has_val,
)
from jaxscape.tune._options import resolve_range
from jaxscape.tune.range_tests._run_parallel import ParallelReading, run_parallel
from jaxscape.tune.range_tests._run_ramp import RampRun, run_ramp
from jaxscape.tune.range_tests._scale import SCALES, check_bounds, check_grid, grid
from jaxscape.tune.range_tests.ramp import Ramp
from jaxscape.tune.range_tests.result import ParallelRangeTest, RampRangeTest

#: Default resolution: values of a parallel test; points of a ramp per step / per epoch.
DEFAULT_NUM = {"parallel": 21, "step": 100, "epoch": 10}


def range_test(
    prob: Problem,
    param: str,
    values: int | Sequence[float] | np.ndarray | None = None,
    *,
    bounds: tuple[float, float] | None = None,
    optimizer: Callable[..., optax.GradientTransformation] = sgd,
    scale: str = "log",
    hyperparams: Mapping[str, Any] | None = None,
    training: Training | None = None,
    judging: Judging | None = None,
    ramp: Ramp | None = None,
    **options: Any,
) -> ParallelRangeTest | RampRangeTest:
    """Range test of the hyperparameter ``param`` of ``optimizer`` (module docstring).

    Args:
      prob: the problem.
      param: the hyperparameter tested: an argument of ``optimizer``.
      values: explicit ascending values (parallel mode), or an int: how many (the grid's
        values, default 21; the ramp's points, default 100 steps or 10 epochs, at least 6).
      bounds: ``(low, high)`` of the grid, or the ramp's start and end.
      optimizer: the optimizer factory; for a ramp it must accept ``param`` as a schedule
        ``count -> value``.
      scale: ``"log"``, ``"momentum"`` or ``"linear"`` (:mod:`jaxscape.tune.range_tests._scale`):
        the grid's spacing, the exponential ramp, the band centre, ``steepest``'s log slope.
      hyperparams: the other hyperparameters of every run.
      training: the budget of each parallel run (``steps`` or ``epochs``), batch size, seed
        (the first of ``seeds``) and progress (default ``Training(epochs=5, batch_size=64)``).
        A ramp's length is its number of points instead.
      judging: the metric the parallel band scores (default validation accuracy, else
        validation loss, else training accuracy or loss; never a test metric; for a ramp
        ``"train_loss"``, the default, or ``"val_loss"``) and the band's ``tolerance``
        (default 0.02 for accuracies, 5% of the best for losses).
      ramp: run a ramp with this shape and these reading rules (:class:`~jaxscape.tune.Ramp`);
        ``None`` runs the parallel test.
      **options: shortcuts: the fields of ``training``, ``judging`` and ``ramp`` by name
        (``steps=20``, ``seed=1``, ``metric="val_loss"``, ``rule="slide"``...), ``num`` (as an
        int ``values``) and ``mode`` (``"parallel"`` or ``"ramp"``).

    Returns:
      A :class:`~jaxscape.tune.ParallelRangeTest` (parallel) or a
      :class:`~jaxscape.tune.RampRangeTest` (ramp).

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))
      >>> res = js.tune.range_test(prob, "weight_decay", 5, bounds=(1e-3, 10.0),
      ...                          hyperparams={"learning_rate": 0.1},
      ...                          training=js.Training(steps=10, progress=False))
      >>> res.param, res.values.round(4).tolist()
      ('weight_decay', [0.001, 0.01, 0.1, 1.0, 10.0])
    """
    prob = check_problem(prob)
    optimizer = check_factory("optimizer", optimizer)
    if not isinstance(param, str) or param not in hyperparameter_names(optimizer):
        raise TypeError(f"optimizer must accept a {param} argument")
    scale = check_choice("scale", scale, SCALES)
    fixed = check_fixed("hyperparams", hyperparams, (param,))
    if isinstance(values, numbers.Integral) and not isinstance(values, bool):
        options = {"num": int(values), **options}
        values = None
    got = resolve_range("range_test", options, training, judging, ramp, Ramp())
    training, judging, ramp, num = got
    batch_size = check_batch_size(prob, training.batch_size)
    run = dict(batch_size=batch_size, seed=check_seed(training.seed), progress=training.progress)
    if ramp is None:
        checked = _parallel_args(prob, values, bounds, num, scale, training, batch_size, judging)
        return run_parallel(prob, optimizer, param, fixed=fixed, **checked, **run)
    if values is not None:
        raise ValueError("values are for the parallel mode; give a ramp its bounds")
    ramp_run = _ramp_run(prob, param, bounds, num, scale, ramp, judging)
    return run_ramp(prob, optimizer, ramp_run, fixed=fixed, **run)


def _parallel_args(
    prob: Problem,
    values: Any,
    bounds: Any,
    num: int | None,
    scale: str,
    training: Training,
    batch_size: int | None,
    judging: Judging,
) -> dict[str, Any]:
    """The checked keyword arguments of
    :func:`jaxscape.tune.range_tests._run_parallel.run_parallel`: the tested ``values`` (given, or
    ``num`` spaced on the scale between ``bounds``), the ``steps`` of each run, and the
    ``reading`` (the ``metric``, the ``tolerance`` and the ``scale``)."""
    if values is None:
        if bounds is None:
            raise ValueError("give the values or the bounds of a parallel range test")
        low, high = check_bounds("bounds", bounds, scale)
        n = DEFAULT_NUM["parallel"] if num is None else check_positive_int("num", num)
        if n < 2:
            raise ValueError(f"num must be >= 2, got {n}")
        values = grid(low, high, n, scale)
    return {
        "values": check_grid("values", values, scale),
        "steps": training.steps_for(None if prob.data is None else prob.data.n_train, batch_size),
        "reading": ParallelReading(check_metric(prob, judging.metric), judging.tolerance, scale),
    }


def _ramp_run(
    prob: Problem,
    param: str,
    bounds: Any,
    num: int | None,
    scale: str,
    ramp: Ramp,
    judging: Judging,
) -> RampRun:
    """The checked :class:`~jaxscape.tune.range_tests._run_ramp.RampRun` of a ramp test."""
    start, end = check_bounds("bounds", bounds, scale, closed=ramp.shape == "linear")
    n = DEFAULT_NUM[ramp.every] if num is None else check_positive_int("num", num)
    if n < 6:
        raise ValueError(f"num must be >= 6 for a ramp (fastai's minimum), got {n}")
    metric = judging.metric or "train_loss"
    check_choice("metric", metric, ("train_loss", "val_loss") if has_val(prob) else ("train_loss",))
    return RampRun(param, start, end, n, scale, metric, ramp)
