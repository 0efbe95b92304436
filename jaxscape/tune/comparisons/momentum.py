"""``confirm_momentum``: train with and without the chosen momentum over seeds and judge it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jaxscape._checks import check_range
from jaxscape.optim import sgd
from jaxscape.population.judging import Judging
from jaxscape.population.training import Training
from jaxscape.problem import Problem
from jaxscape.tune._common import check_fixed, check_problem
from jaxscape.tune._options import seeded_options
from jaxscape.tune.comparisons.comparison import Comparison, compare_arms


def confirm_momentum(
    prob: Problem,
    learning_rate: float,
    momentum: float,
    *,
    hyperparams: Mapping[str, Any] | None = None,
    training: Training | None = None,
    judging: Judging | None = None,
    keep_params: bool = False,
    **options: Any,
) -> Comparison:
    """Train with and without momentum over seeds (one population) and judge the difference.

    Arms: ``"momentum 0"`` (the baseline) and ``"momentum <m>"``, both at ``learning_rate``;
    each seed gives both arms the same initial weights and mini-batches. The verdict
    (:mod:`jaxscape.tune.comparisons.verdict`) adopts momentum only if its mean paired improvement
    of the final validation metric exceeds ``k`` standard errors.

    Args:
      training: the budget of each run, batch size, the ``seeds`` of both arms and progress
        (default ``Training(epochs=5, batch_size=64, seeds=(0, 1, 2))``).
      judging: the verdict's ``metric``, ``k`` and ``min_effect``
        (:mod:`jaxscape.tune.comparisons.verdict`).
      keep_params: keep every run's final weights (``Comparison.params``).
      **options: shortcuts for the fields of ``training`` and ``judging`` (``steps``,
        ``epochs``, ``seeds``: a count from ``seed`` or a list, ``seed``, ``k``...).
      Other arguments: as for :func:`momentum_range_test`.

    Returns:
      A :class:`~jaxscape.tune.Comparison` named ``"momentum"`` with arms ``"momentum 0"``
      (the baseline) and ``"momentum <m>"``, curves ``[S, 1 + T]`` from step 0, and the verdict.

    References:
      L. N. Smith, "A disciplined approach to neural network hyper-parameters: Part 1",
      arXiv:1803.09820, 2018; the verdict: :mod:`jaxscape.tune.comparisons.verdict`.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))
      >>> cmp = js.tune.confirm_momentum(prob, 0.1, 0.9, steps=20, seeds=2, progress=False)
      >>> cmp.arms, cmp.curves["momentum 0.9"]["train_loss"].shape   # step 0 + 20 epochs
      (['momentum 0', 'momentum 0.9'], (2, 21))
    """
    prob = check_problem(prob)
    check_range("learning_rate", learning_rate, low=0.0, low_open=True)
    check_range("momentum", momentum, low=0.0, high=1.0, high_open=True)
    fixed = check_fixed("hyperparams", hyperparams, ("learning_rate", "momentum"))
    training, judging = seeded_options("confirm_momentum", options, training, judging)
    arms = {
        f"momentum {m:.3g}": {**fixed, "learning_rate": float(learning_rate), "momentum": float(m)}
        for m in (0.0, momentum)
    }
    return compare_arms("momentum", prob, sgd, arms, training, judging, keep_params=keep_params)
