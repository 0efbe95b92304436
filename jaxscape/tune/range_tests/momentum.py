"""``momentum_range_test``: which momenta train at a chosen learning rate (parallel or ramp).

Its confirmation over seeds is :func:`jaxscape.tune.confirm_momentum`
(:mod:`jaxscape.tune.comparisons.momentum`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jaxscape._checks import check_range
from jaxscape.optim import sgd
from jaxscape.population.judging import Judging
from jaxscape.population.training import Training
from jaxscape.problem import Problem
from jaxscape.tune._common import check_fixed
from jaxscape.tune._options import check_type
from jaxscape.tune.range_tests._scale import check_grid, grid
from jaxscape.tune.range_tests._scheduled_momentum import sgd_momentum_schedule
from jaxscape.tune.range_tests.ramp import Ramp
from jaxscape.tune.range_tests.range_test import range_test
from jaxscape.tune.range_tests.result import ParallelRangeTest, RampRangeTest
from jaxscape.tune.range_tests.suggest import RULES

#: The ramp's rules: ``"minimum"``'s division by 10 is a learning-rate rule.
MOMENTUM_RULES = tuple(r for r in RULES if r != "minimum")

#: The momentum ramp unless given: linear in the momentum, read on a linear spacing.
MOMENTUM_RAMP = Ramp(shape="linear", spacing="linear", rules=MOMENTUM_RULES)


def default_momenta(low: float = 0.0, high: float = 0.99, num: int = 9) -> np.ndarray:
    """Momenta whose effective step multipliers ``1 / (1 - m)`` are evenly spaced on a log scale.

    ``m_i = 1 - (1 - low) ((1 - high) / (1 - low))^(i / (num - 1))``.

    Args:
      low, high: the smallest and largest momentum, in ``[0, 1)``.
      num: how many.

    Returns:
      ``[num]`` ascending momenta.

    Example:
      >>> default_momenta().round(3).tolist()
      [0.0, 0.438, 0.684, 0.822, 0.9, 0.944, 0.968, 0.982, 0.99]
    """
    return grid(low, high, num, "momentum")


def momentum_range_test(
    prob: Problem,
    learning_rate: float,
    *,
    momenta: Sequence[float] | np.ndarray | None = None,
    min_momentum: float = 0.0,
    max_momentum: float = 0.99,
    num: int | None = None,
    hyperparams: Mapping[str, Any] | None = None,
    training: Training | None = None,
    judging: Judging | None = None,
    ramp: Ramp | None = None,
    **options: Any,
) -> ParallelRangeTest | RampRangeTest:
    """Momentum range test of SGD at a fixed learning rate, in parallel (default) or as a ramp:
    the :func:`~jaxscape.tune.range_test` preset for ``momentum`` on the momentum scale.

    **Parallel**: ``num`` (9) momenta from ``min_momentum`` to ``max_momentum`` spaced evenly in
    ``log(1 / (1 - m))`` — the effective step multiplier, so 0.9 and 0.99 are as far apart as 0
    and 0.9 — each trained for the same budget as one population. The band rule of
    :mod:`jaxscape.tune.range_tests.band` chooses the momentum, centred on the ``log(1 / (1 - m))``
    scale.

    **Ramp**: one run whose momentum grows from ``min_momentum`` to ``max_momentum`` over
    ``num`` (100) steps (or epochs), linearly (default) or geometrically in ``1 / (1 - m)``,
    with the learning-rate ramp's smoothing, stopping and suggestion rules (``valley``,
    ``slide``, ``steepest``; ``"minimum"``'s division by 10 is a learning-rate rule and is not
    offered). ``spacing="log"`` differentiates over ``log(1 / (1 - m))``.

    Args:
      prob: the problem.
      learning_rate: the rate chosen by the learning-rate test.
      momenta: explicit ascending momenta in ``[0, 1)`` (parallel mode).
      hyperparams: other SGD arguments shared by every parallel run (``nesterov``,
        ``weight_decay``...); a ramp runs plain heavy-ball SGD.
      ramp: run a ramp (default with ``mode="ramp"``: ``Ramp(shape="linear",
        spacing="linear")`` without the ``"minimum"`` rule, which is a learning-rate rule).
      Other arguments: as for :func:`jaxscape.tune.lr_range_test` (``training``, ``judging``
        and the keyword shortcuts).

    Returns:
      A :class:`~jaxscape.tune.ParallelRangeTest` (parallel) or
      :class:`~jaxscape.tune.RampRangeTest` (ramp) with ``param == "momentum"``.

    References:
      L. N. Smith, "A disciplined approach to neural network hyper-parameters: Part 1 --
      learning rate, batch size, momentum, and weight decay", arXiv:1803.09820, 2018.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))
      >>> res = js.tune.momentum_range_test(prob, 0.1, num=4, steps=20, progress=False)
      >>> res.values.round(3).tolist()
      [0.0, 0.785, 0.954, 0.99]
    """
    check_range("learning_rate", learning_rate, low=0.0, low_open=True)
    check_range("min_momentum", min_momentum, low=0.0, high=1.0, high_open=True)
    check_range("max_momentum", max_momentum, low=min_momentum, high=1.0, low_open=True)
    fixed = check_fixed("hyperparams", hyperparams, ("learning_rate", "momentum"))
    if ramp is not None:
        ramp = check_type("ramp", ramp, Ramp)
        ramp = ramp.replace(rules=tuple(r for r in ramp.rules if r in MOMENTUM_RULES))
    is_ramp = ramp is not None or options.get("mode") == "ramp"
    if is_ramp and fixed:
        raise ValueError("hyperparams are for the parallel mode; a ramp runs plain heavy-ball SGD")
    if is_ramp and ramp is None:
        ramp = MOMENTUM_RAMP
        options = {k: v for k, v in options.items() if k != "mode"}
    if momenta is not None:
        check_grid("momenta", momenta, "momentum")
    return range_test(
        prob,
        "momentum",
        momenta,
        bounds=(min_momentum, max_momentum),
        optimizer=sgd_momentum_schedule if is_ramp else sgd,
        scale="momentum",
        hyperparams={**fixed, "learning_rate": float(learning_rate)},
        training=training,
        judging=judging,
        ramp=ramp,
        num=9 if num is None and not is_ramp else num,
        **options,
    )
