"""Coarse to fine: random rounds, each inside a box shrunk around the best configurations so far.

Round 0 samples the whole space. Round ``r >= 1`` takes the ``top`` best configurations
finished so far and samples ``per_round / top`` configurations around each: its branches are
kept, and every numeric parameter is drawn from the same law on a box of width
``shrink ** r`` times the full range, measured on the parameter's own scale (the logarithm
for ``log_uniform``, ``log(1 - x)`` for ``reverse_log_uniform``), centred on the
configuration's value and moved inside the original range. Categorical and fixed parameters
keep their laws.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from jaxscape._checks import check_positive_int, check_range
from jaxscape.population.judging import Judging
from jaxscape.population.training import Training
from jaxscape.problem import Problem
from jaxscape.search import _optuna as O
from jaxscape.search import params as P
from jaxscape.search._driver import run_search, setup
from jaxscape.search.record import Record
from jaxscape.search.result import SearchResult
from jaxscape.search.space import Space


def _scale(kind: Any):
    """``(to, back)``: the kind's scale, on which its law is uniform."""
    if isinstance(kind, P.ReverseLogUniform):
        return (lambda x: math.log1p(-x)), (lambda t: -math.expm1(t))
    if isinstance(kind, P.LogUniform):
        return math.log, math.exp
    return float, float


def shrink_kind(kind: Any, value: Any, factor: float) -> Any:
    """``kind`` restricted to a box ``factor`` times its width around ``value``.

    Example:
      >>> shrink_kind(P.log_uniform(1e-4, 1.0), 1e-2, 0.5)
      LogUniform(lo=0.001, hi=0.1)
      >>> shrink_kind(P.uniform(0.0, 1.0), 0.9, 0.5)
      Uniform(lo=0.5, hi=1.0)
    """
    if not isinstance(kind, P.Uniform | P.IntUniform):
        return kind
    to, back = _scale(kind)
    a, b = sorted((to(kind.lo), to(kind.hi)))
    width = factor * (b - a)
    lo = min(max(to(value) - width / 2, a), b - width)
    lo, hi = sorted((back(lo), back(lo + width)))
    lo, hi = max(lo, kind.lo), min(hi, kind.hi)
    if isinstance(kind, P.IntUniform):
        lo, hi = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
        return P.fixed(int(value)) if lo >= hi else P.int_uniform(lo, hi)
    return type(kind)(_tidy(lo), _tidy(hi))


def _tidy(x: float) -> float:
    """``x`` to 15 significant digits (``exp(log(0.001))`` is ``0.0010000000000000002``):
    relative, so a bound of 1e-20 keeps its digits (rounding to decimal places made it 0)."""
    return float(f"{x:.15g}")


def box_space(space: Space, config: dict[str, Any], factor: float) -> Space:
    """The space of ``config``'s branches with every numeric range shrunk around it."""
    structure = space.structure(config)
    spec: dict[str, Any] = {name: P.fixed(branch) for name, branch in structure}
    for name, kind in space.active(structure).items():
        spec[name] = shrink_kind(kind, config[name], factor)
    return Space(spec)


def coarse_to_fine(
    prob: Problem,
    space: Space,
    training: Training | int,
    *,
    rounds: int = 3,
    per_round: int = 16,
    shrink: float = 0.5,
    top: int = 1,
    judging: Judging | None = None,
    optimizer: Callable[..., Any] | None = None,
    record: Record | None = None,
) -> SearchResult:
    """``rounds`` rounds of ``per_round`` random configurations, each round in a smaller box.

    Round ``r``'s box has width ``shrink ** r`` of the full range around each of the ``top``
    best configurations so far (see the module docstring). A round is one batch (one
    population per structure group). The other arguments are those of
    :func:`~jaxscape.search.random_search`; the budget is ``rounds * per_round``.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> from jaxscape.search import Space, coarse_to_fine, log_uniform
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
      >>> res = coarse_to_fine(prob, Space({"learning_rate": log_uniform(1e-3, 1.0)}), 5,
      ...                      rounds=2, per_round=3)
      >>> res.round.tolist()
      [0, 0, 0, 1, 1, 1]
    """
    rounds = check_positive_int("rounds", rounds)
    per_round = check_positive_int("per_round", per_round)
    top = check_positive_int("top", top)
    check_range("shrink", shrink, low=0.0, high=1.0, low_open=True)
    if top > per_round:
        raise ValueError(f"top must be in [1, per_round={per_round}], got {top}")
    s = setup(
        prob,
        space,
        training,
        budget=rounds * per_round,
        batch=per_round,
        judging=judging,
        optimizer=optimizer,
        record=record,
        strategy="coarse-to-fine",
        names=("rounds * per_round", "per_round"),
    )
    seed = s.training.seed

    def draw(study, trials, round_):
        first = seed + trials[0].number
        if round_ == 0:
            return space.sample(len(trials), seed=first)
        best = _best_configs(study, top)
        counts = [len(c) for c in np.array_split(np.arange(len(trials)), len(best))]
        out = []
        for j, (config, k) in enumerate(zip(best, counts, strict=True)):
            if k:
                box = box_space(space, config, shrink**round_)
                out += box.sample(k, seed=first + j)
        return out

    sampler, propose = O.given(space, draw)
    extra = {"rounds": rounds, "per_round": per_round, "shrink": float(shrink), "top": top}
    return run_search(s, "coarse-to-fine", sampler, propose, extra)


def _best_configs(study: Any, top: int) -> list[dict[str, Any]]:
    """The ``top`` best finished configurations (ties: the earlier trial)."""
    optuna = O.require_optuna()
    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    sign = -1.0 if study.direction == optuna.study.StudyDirection.MAXIMIZE else 1.0
    done = sorted(done, key=lambda t: (sign * t.value, t.number))
    return [dict(t.user_attrs["config"]) for t in done[:top]]
