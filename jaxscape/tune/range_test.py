"""``range_test``: one range test over any numeric hyperparameter, in parallel or as a ramp.

:func:`jaxscape.tune.lr_range_test` and :func:`jaxscape.tune.momentum_range_test` are presets
of it: the hyperparameter, its scale (:mod:`jaxscape.tune._scale`), its default range and the
suggestion rules that apply to it are data they pass in.

**Parallel** (``mode="parallel"``): ``num`` fixed values (or ``values``), evenly spaced on the
scale between ``bounds``, each trained for the same short budget from the same initial weights
and mini-batches, as one population; the band rule of :mod:`jaxscape.tune.band` chooses.

**Ramp** (``mode="ramp"``): one run whose value grows from ``bounds[0]`` to ``bounds[1]`` over
``num`` steps (or epochs), exponentially (linear on the scale) or linearly; the curve is
smoothed (:func:`jaxscape.tune.smoothing.ema`), stopped where it exceeds ``stop_factor`` times
its best, trimmed, and read by the rules of :mod:`jaxscape.tune.suggest`.

References:
  L. N. Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017 (the range
  test). J. Howard and S. Gugger, "Fastai: A Layered API for Deep Learning", Information 11(2),
  2020, and fastai's ``Learner.lr_find`` (the ramp, its smoothing, stopping and rules).
  L. N. Smith, "A disciplined approach to neural network hyper-parameters: Part 1", arXiv
  1803.09820, 2018 (range tests of momentum and weight decay).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import optax

from jaxscape._checks import check_choice, check_positive_int, check_range
from jaxscape.optim import hyperparameter_names, sgd
from jaxscape.problem import Problem
from jaxscape.tune._common import (
    DEFAULT_BATCH_SIZE,
    budget_steps,
    check_batch_size,
    check_factory,
    check_fixed,
    check_metric,
    check_problem,
    check_seed,
    has_val,
)
from jaxscape.tune._parallel import run_parallel
from jaxscape.tune._ramp import EVERY, SHAPES, run_ramp
from jaxscape.tune._scale import SCALES, check_bounds, check_grid, grid
from jaxscape.tune.range_result import ParallelRangeTest, RampRangeTest
from jaxscape.tune.suggest import RULES, SPACINGS

MODES = ("parallel", "ramp")

#: Default resolution: values of a parallel test; points of a ramp per step / per epoch.
DEFAULT_NUM = {"parallel": 21, "step": 100, "epoch": 10}


def range_test(
    prob: Problem,
    param: str,
    values: Sequence[float] | np.ndarray | None = None,
    *,
    bounds: tuple[float, float] | None = None,
    num: int | None = None,
    mode: str = "parallel",
    optimizer: Callable[..., optax.GradientTransformation] = sgd,
    scale: str = "log",
    rules: Sequence[str] = RULES,
    hyperparams: Mapping[str, Any] | None = None,
    epochs: float = 5.0,
    steps: int | None = None,
    metric: str | None = None,
    tolerance: float | None = None,
    ramp: str = "exponential",
    every: str = "step",
    rule: str = "valley",
    spacing: str = "log",
    beta: float | None = None,
    bias_correction: bool = True,
    stop_factor: float = 4.0,
    skip_start: int | None = None,
    skip_end: int = 5,
    batch_size: int | None = DEFAULT_BATCH_SIZE,
    seed: int = 0,
    progress: bool = True,
) -> ParallelRangeTest | RampRangeTest:
    """Range test of the hyperparameter ``param`` of ``optimizer`` (module docstring).

    Args:
      prob: the problem.
      param: the hyperparameter tested: an argument of ``optimizer``.
      values: explicit ascending values (parallel mode only).
      bounds: ``(low, high)`` of the grid, or the ramp's start and end.
      num: values of the grid (default 21), or points of the ramp (default 100 steps or 10
        epochs; at least 6, fastai's minimum).
      mode: ``"parallel"`` or ``"ramp"``.
      optimizer: the optimizer factory; for a ramp it must accept ``param`` as a schedule
        ``count -> value``.
      scale: ``"log"``, ``"momentum"`` or ``"linear"`` (:mod:`jaxscape.tune._scale`): the
        grid's spacing, the exponential ramp, the band centre, ``steepest``'s log slope.
      rules: the suggestion rules a ramp reads (:data:`jaxscape.tune.suggest.RULES`).
      hyperparams: the other hyperparameters of every run.
      epochs, steps: the budget of each parallel run (``steps`` wins when given).
      metric: what the parallel band scores (default validation accuracy, else validation
        loss, else training accuracy or loss; never a test metric); for a ramp
        ``"train_loss"`` (default) or ``"val_loss"``.
      tolerance: the band's tolerance (default 0.02 for accuracies, 5% of the best for losses).
      ramp, every, rule, spacing, beta, bias_correction, stop_factor, skip_start, skip_end:
        the ramp's shape (``"exponential"``/``"linear"``, per ``"step"``/``"epoch"``) and how
        it is read: EMA ``beta`` (0.98 per step, none per epoch), stop at ``stop_factor``
        times the best smoothed loss, drop ``skip_start`` (``num // 10``) and ``skip_end``
        points, ``rule`` is the suggestion returned, ``spacing`` that of ``steepest``.
      batch_size: mini-batch size (``None``: full batch).
      seed: initial weights and batch order of every run.
      progress: show the engine's progress bar.

    Returns:
      A :class:`~jaxscape.tune.ParallelRangeTest` (``mode="parallel"``) or a
      :class:`~jaxscape.tune.RampRangeTest` (``mode="ramp"``).

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))
      >>> res = js.tune.range_test(prob, "weight_decay", bounds=(1e-3, 10.0), num=5,
      ...                          hyperparams={"learning_rate": 0.1}, steps=10, progress=False)
      >>> res.param, res.values.round(4).tolist()
      ('weight_decay', [0.001, 0.01, 0.1, 1.0, 10.0])
    """
    prob = check_problem(prob)
    optimizer = check_factory("optimizer", optimizer)
    if not isinstance(param, str) or param not in hyperparameter_names(optimizer):
        raise TypeError(f"optimizer must accept a {param} argument")
    mode = check_choice("mode", mode, MODES)
    scale = check_choice("scale", scale, SCALES)
    fixed = check_fixed("hyperparams", hyperparams, (param,))
    batch_size = check_batch_size(prob, batch_size)
    seed = check_seed(seed)
    run = dict(batch_size=batch_size, seed=seed, progress=progress)
    if mode == "parallel":
        checked = _parallel_args(
            prob, values, bounds, num, scale, epochs, steps, batch_size, metric, tolerance
        )
        return run_parallel(prob, optimizer, param, fixed=fixed, scale=scale, **checked, **run)
    if values is not None:
        raise ValueError("values are for the parallel mode; give a ramp its bounds")
    checked = _ramp_args(
        prob,
        bounds,
        num,
        scale,
        ramp,
        every,
        metric,
        rule,
        tuple(rules),
        spacing,
        beta,
        bias_correction,
        stop_factor,
    )
    return run_ramp(
        prob,
        optimizer,
        param,
        fixed=fixed,
        scale=scale,
        beta=beta,
        skip_start=skip_start,
        skip_end=skip_end,
        **checked,
        **run,
    )


def _parallel_args(
    prob: Problem,
    values: Any,
    bounds: Any,
    num: int | None,
    scale: str,
    epochs: float,
    steps: int | None,
    batch_size: int | None,
    metric: str | None,
    tolerance: float | None,
) -> dict[str, Any]:
    """The checked keyword arguments of :func:`jaxscape.tune._parallel.run_parallel`: the
    tested ``values`` (given, or ``num`` spaced on the scale between ``bounds``), the
    ``steps`` of each run, the ``metric`` and the ``tolerance``."""
    if tolerance is not None:
        check_range("tolerance", tolerance, low=0.0)
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
        "steps": budget_steps(prob, batch_size, epochs, steps),
        "metric": check_metric(prob, metric),
        "tolerance": tolerance,
    }


def _ramp_args(
    prob: Problem,
    bounds: Any,
    num: int | None,
    scale: str,
    ramp: str,
    every: str,
    metric: str | None,
    rule: str,
    rules: tuple[str, ...],
    spacing: str,
    beta: float | None,
    bias_correction: bool,
    stop_factor: float,
) -> dict[str, Any]:
    """The checked keyword arguments of :func:`jaxscape.tune._ramp.run_ramp` (those of its
    :func:`~jaxscape.tune._ramp.analyse_ramp` included)."""
    ramp, every = check_choice("ramp", ramp, SHAPES), check_choice("every", every, EVERY)
    start, end = check_bounds("bounds", bounds, scale, closed=ramp == "linear")
    n = DEFAULT_NUM[every] if num is None else check_positive_int("num", num)
    if n < 6:
        raise ValueError(f"num must be >= 6 for a ramp (fastai's minimum), got {n}")
    metric = metric or "train_loss"
    check_choice("metric", metric, ("train_loss", "val_loss") if has_val(prob) else ("train_loss",))
    for name in rules:
        check_choice("rules", name, RULES)
    if beta is not None:
        check_range("beta", beta, low=0.0, high=1.0, high_open=True)
    check_range("stop_factor", stop_factor, low=1.0, low_open=True)
    return {
        "start": start,
        "end": end,
        "num": n,
        "shape": ramp,
        "every": every,
        "metric": metric,
        "rule": check_choice("rule", rule, rules),
        "rules": rules,
        "spacing": check_choice("spacing", spacing, SPACINGS),
        "bias_correction": bool(bias_correction),
        "stop_factor": float(stop_factor),
    }
