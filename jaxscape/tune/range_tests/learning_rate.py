"""``lr_range_test``: which learning rates train, which are too small, where training breaks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import optax

from jaxscape._checks import check_positive_int, check_range
from jaxscape.optim import sgd
from jaxscape.population.judging import Judging
from jaxscape.population.training import Training
from jaxscape.problem import Problem
from jaxscape.tune.range_tests._scale import check_grid, grid
from jaxscape.tune.range_tests.ramp import Ramp
from jaxscape.tune.range_tests.range_test import range_test
from jaxscape.tune.range_tests.result import ParallelRangeTest, RampRangeTest

#: Default smallest rate of each mode (fastai's ``lr_find`` starts its ramp at 1e-7).
MIN_LR = {"parallel": 1e-4, "ramp": 1e-7}


def rate_grid(
    learning_rates: Sequence[float] | np.ndarray | None, min_lr: float, max_lr: float, num: int
) -> np.ndarray:
    """The learning rates of a parallel test (the one rate grid of :mod:`jaxscape.tune`):
    ``learning_rates`` checked (ascending, positive), or ``num`` log-spaced from ``min_lr`` to
    ``max_lr``.

    Example:
      >>> rate_grid(None, 1e-3, 1.0, 4).tolist()
      [0.001, 0.01, 0.1, 1.0]
    """
    check_range("max_lr", max_lr, low=0.0, low_open=True)
    if learning_rates is None:
        check_range("min_lr", min_lr, low=0.0, low_open=True, high=max_lr, high_open=True)
        if check_positive_int("num", num) < 2:
            raise ValueError(f"num must be >= 2, got {num}")
        learning_rates = grid(min_lr, max_lr, num, "log")
    return check_grid("learning_rates", learning_rates, "log")


def lr_range_test(
    prob: Problem,
    optimizer: Callable[..., optax.GradientTransformation] = sgd,
    *,
    learning_rates: Sequence[float] | np.ndarray | None = None,
    min_lr: float | None = None,
    max_lr: float = 10.0,
    num: int | None = None,
    hyperparams: Mapping[str, Any] | None = None,
    training: Training | None = None,
    judging: Judging | None = None,
    ramp: Ramp | None = None,
    **options: Any,
) -> ParallelRangeTest | RampRangeTest:
    """Learning-rate range test, in parallel (default) or as a ramp: the
    :func:`~jaxscape.tune.range_test` preset for ``learning_rate`` on a log scale.

    **Parallel** (the default): ``num`` fixed rates, log-spaced from ``min_lr`` (default
    1e-4) to ``max_lr`` (or ``learning_rates``), each trained for the same short budget
    (``epochs``, or ``steps``) from the same initial weights and mini-batches, as one
    population. The rate's effect is then not confounded with training progress. The choice is
    the centre (on a log scale) of the band of rates whose final validation metric is within
    ``tolerance`` of the best (:mod:`jaxscape.tune.range_tests.band`); the divergence point is the
    smallest rate above the best whose run failed.

    **Ramp** (``ramp=Ramp()`` or ``mode="ramp"``): one run whose rate grows from ``min_lr``
    (default 1e-7) to ``max_lr`` over ``num`` (default 100) steps — or epochs with
    ``Ramp(every="epoch")`` — exponentially (``a (b/a)^(i/(n-1))``) or linearly, as fastai's
    ``lr_find`` and torch-lr-finder do. The per-step training loss is smoothed (EMA, ``beta``
    0.98 with bias correction by default; per-epoch ramps are not smoothed), the ramp is cut
    where the smoothed loss first exceeds ``stop_factor`` (4) times its best (the divergence
    point), the first ``num // 10`` and last ``skip_end`` points are dropped, and all four rules
    of :mod:`jaxscape.tune.range_tests.suggest` are read (``rule`` picks the one returned as the
    suggestion; ``spacing`` says what "steepest" differentiates over).

    Args:
      prob: the problem.
      optimizer: a factory with a ``learning_rate`` argument (default :func:`jaxscape.optim.sgd`).
      learning_rates: explicit ascending rates (parallel mode).
      min_lr, max_lr, num: the range and its resolution (rates, or ramp steps).
      hyperparams: other hyperparameters shared by every run (e.g. ``{"momentum": 0.9}``).
      training: the budget of each parallel run, batch size, seed and progress (default
        ``Training(epochs=5, batch_size=64)``; :class:`jaxscape.Training`).
      judging: what the parallel band scores (default validation accuracy, else validation
        loss, else training accuracy or loss; never a test metric; for a ramp
        ``"train_loss"``, the default, or ``"val_loss"``) and its ``tolerance`` (default 0.02
        for accuracies, 5% of the best for losses; :class:`jaxscape.Judging`).
      ramp: run the ramp with this shape and these rules (:class:`~jaxscape.tune.Ramp`;
        default shape ``"exponential"``, ``spacing="log"``); ``None``: the parallel test.
      **options: shortcuts for the fields of ``training``, ``judging`` and ``ramp``
        (``steps=20``, ``epochs=2``, ``batch_size=32``, ``seed=1``, ``progress=False``,
        ``metric="val_loss"``, ``tolerance=0.01``, ``rule="slide"``...) and
        ``mode="ramp"`` (the default ramp).

    Returns:
      A :class:`~jaxscape.tune.ParallelRangeTest` (parallel) or
      :class:`~jaxscape.tune.RampRangeTest` (ramp); both carry ``suggestion``, ``divergence``,
      ``plot()``, ``save()`` and ``summary()``.

    References:
      L. N. Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017.
      J. Howard and S. Gugger, "Fastai: A Layered API for Deep Learning", Information 11(2),
      2020 (``Learner.lr_find``: the ramp, its smoothing, stop and suggestion rules).
      D. Silva, torch-lr-finder (github.com/davidtvs/pytorch-lr-finder; ``spacing="index"``).

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))  # L = 1
      >>> res = js.tune.lr_range_test(prob, num=6, steps=20, progress=False)
      >>> res.values.round(4).tolist()
      [0.0001, 0.001, 0.01, 0.1, 1.0, 10.0]
      >>> res.suggestion, res.divergence   # 1/L solves it in one step; above 2/L it diverges
      (1.0, 10.0)
    """
    mode = "ramp" if ramp is not None or options.get("mode") == "ramp" else "parallel"
    low = MIN_LR[mode] if min_lr is None else min_lr
    if mode == "parallel":
        learning_rates = rate_grid(learning_rates, low, max_lr, 21 if num is None else num)
    else:
        shape = options.get("shape", ramp.shape if isinstance(ramp, Ramp) else "exponential")
        check_range("max_lr", max_lr, low=0.0, low_open=True)
        closed = shape == "linear"
        check_range("min_lr", low, low=0.0, low_open=not closed, high=max_lr, high_open=True)
    return range_test(
        prob,
        "learning_rate",
        learning_rates if mode == "parallel" else num,
        bounds=(low, max_lr),
        optimizer=optimizer,
        scale="log",
        hyperparams=hyperparams,
        training=training,
        judging=judging,
        ramp=ramp,
        **options,
    )
