"""``lr_range_test``: which learning rates train, which are too small, where training breaks."""

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
from jaxscape.tune.range_result import ParallelRangeTest, RampRangeTest
from jaxscape.tune.suggest import RULES, SPACINGS

MODES = ("parallel", "ramp")


def check_grid(
    name: str, values: Any, *, low: float, high: float | None = None, low_open: bool = True
) -> np.ndarray:
    """A strictly increasing 1-D grid of finite values in ``(low, high)`` (``[low`` when
    ``low_open=False``)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"{name} must be a 1-D sequence of at least 2 values, got {arr.shape}")
    check_range(name, arr, low=low, high=high, low_open=low_open, high_open=high is not None)
    if np.any(np.diff(arr) <= 0):
        raise ValueError(f"{name} must be strictly increasing")
    return arr


def lr_range_test(
    prob: Problem,
    optimizer: Callable[..., optax.GradientTransformation] = sgd,
    *,
    mode: str = "parallel",
    learning_rates: Sequence[float] | np.ndarray | None = None,
    min_lr: float | None = None,
    max_lr: float = 10.0,
    num: int | None = None,
    epochs: float = 5.0,
    steps: int | None = None,
    hyperparams: Mapping[str, Any] | None = None,
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
    """Learning-rate range test, in parallel (default) or as a ramp.

    **Parallel** (``mode="parallel"``): ``num`` fixed rates, log-spaced from ``min_lr`` (default
    1e-4) to ``max_lr`` (or ``learning_rates``), each trained for the same short budget
    (``epochs``, or ``steps``) from the same initial weights and mini-batches, as one
    population. The rate's effect is then not confounded with training progress. The choice is
    the centre (on a log scale) of the band of rates whose final validation metric is within
    ``tolerance`` of the best (:mod:`jaxscape.tune.band`); the divergence point is the smallest
    rate above the best whose run failed.

    **Ramp** (``mode="ramp"``): one run whose rate grows from ``min_lr`` (default 1e-7) to
    ``max_lr`` over ``num`` (default 100) steps — or epochs with ``every="epoch"`` —
    exponentially (``a (b/a)^(i/(n-1))``) or linearly, as fastai's ``lr_find`` and
    torch-lr-finder do. The per-step training loss is smoothed (EMA, ``beta`` 0.98 with bias
    correction by default; per-epoch ramps are not smoothed), the ramp is cut where the smoothed
    loss first exceeds ``stop_factor`` (4) times its best (the divergence point), the first
    ``num // 10`` and last ``skip_end`` points are dropped, and all four rules of
    :mod:`jaxscape.tune.suggest` are read (``rule`` picks the one returned as the suggestion;
    ``spacing`` says what "steepest" differentiates over).

    Args:
      prob: the problem.
      optimizer: a factory with a ``learning_rate`` argument (default :func:`jaxscape.optim.sgd`).
      mode: ``"parallel"`` or ``"ramp"``.
      learning_rates: explicit ascending rates (parallel mode).
      min_lr, max_lr, num: the range and its resolution (rates, or ramp steps).
      epochs, steps: the budget of each parallel run (``steps`` wins when given).
      hyperparams: other hyperparameters shared by every run (e.g. ``{"momentum": 0.9}``).
      metric: what the parallel band scores (default validation accuracy, else validation
        loss, else training accuracy or loss; never a test metric); for a ramp
        ``"train_loss"`` (default) or ``"val_loss"``.
      tolerance: band tolerance (default 0.02 for accuracies, 5% of the best for losses).
      ramp, every, rule, spacing, beta, bias_correction, stop_factor, skip_start, skip_end:
        the ramp's shape and the rules applied to it (see above).
      batch_size: mini-batch size (``None``: full batch).
      seed: initial weights and batch order of every run.
      progress: show the engine's progress bar.

    Returns:
      A :class:`~jaxscape.tune.ParallelRangeTest` or :class:`~jaxscape.tune.RampRangeTest`;
      both carry ``suggestion``, ``divergence`` and ``plot()``.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))  # L = 1
      >>> res = js.tune.lr_range_test(prob, num=6, steps=20, progress=False)
      >>> res.values.round(4).tolist()
      [0.0001, 0.001, 0.01, 0.1, 1.0, 10.0]
      >>> res.suggestion, res.divergence   # 1/L solves it in one step; above 2/L it diverges
      (1.0, 10.0)
    """
    prob = check_problem(prob)
    optimizer = check_factory("optimizer", optimizer)
    if "learning_rate" not in hyperparameter_names(optimizer):
        raise TypeError("optimizer must accept a learning_rate argument")
    mode = check_choice("mode", mode, MODES)
    fixed = check_fixed("hyperparams", hyperparams, ("learning_rate",))
    batch_size = check_batch_size(prob, batch_size)
    seed = check_seed(seed)
    check_range("max_lr", max_lr, low=0.0, low_open=True)
    if mode == "parallel":
        metric = check_metric(prob, metric)
        if learning_rates is None:
            lo = 1e-4 if min_lr is None else min_lr
            check_range("min_lr", lo, low=0.0, low_open=True, high=max_lr, high_open=True)
            n = 21 if num is None else check_positive_int("num", num)
            if n < 2:
                raise ValueError(f"num must be >= 2, got {n}")
            learning_rates = np.geomspace(lo, max_lr, n)
        rates = check_grid("learning_rates", learning_rates, low=0.0)
        if tolerance is not None:
            check_range("tolerance", tolerance, low=0.0)
        return run_parallel(
            prob,
            optimizer,
            "learning_rate",
            rates,
            fixed,
            steps=budget_steps(prob, batch_size, epochs, steps),
            batch_size=batch_size,
            seed=seed,
            metric=metric,
            tolerance=tolerance,
            scale="log",
            progress=progress,
        )
    metric = metric or "train_loss"
    allowed = ("train_loss", "val_loss") if has_val(prob) else ("train_loss",)
    check_choice("metric", metric, allowed)
    ramp = check_choice("ramp", ramp, SHAPES)
    every = check_choice("every", every, EVERY)
    rule = check_choice("rule", rule, RULES)
    spacing = check_choice("spacing", spacing, SPACINGS)
    lo = 1e-7 if min_lr is None else min_lr
    check_range("min_lr", lo, low=0.0, low_open=ramp == "exponential", high=max_lr, high_open=True)
    n = (100 if every == "step" else 10) if num is None else check_positive_int("num", num)
    if n < 6:
        raise ValueError(f"num must be >= 6 for a ramp (fastai's minimum), got {n}")
    if beta is not None:
        check_range("beta", beta, low=0.0, high=1.0, high_open=True)
    check_range("stop_factor", stop_factor, low=1.0, low_open=True)
    return run_ramp(
        prob,
        optimizer,
        "learning_rate",
        float(lo),
        float(max_lr),
        n,
        shape=ramp,
        every=every,
        fixed=fixed,
        batch_size=batch_size,
        seed=seed,
        metric=metric,
        beta=beta,
        bias_correction=bool(bias_correction),
        stop_factor=float(stop_factor),
        rule=rule,
        spacing=spacing,
        skip_start=skip_start,
        skip_end=skip_end,
        progress=progress,
    )
