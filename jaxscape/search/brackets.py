"""Successive halving and Hyperband's brackets (Li et al., JMLR 2018), as plain numbers.

Hyperband with maximum resource :math:`R` per configuration, minimum :math:`r_{min}` and
reduction factor :math:`\\eta` runs :math:`s_{max} + 1` brackets,
:math:`s_{max} = \\lfloor \\log_\\eta (R / r_{min}) \\rfloor`. Bracket
:math:`s = s_{max}, \\dots, 0` starts

.. math::

    n = \\left\\lceil \\frac{s_{max} + 1}{s + 1} \\eta^s \\right\\rceil
    \\text{ configurations with } r = R \\eta^{-s} \\text{ each,}

and its rung :math:`i = 0, \\dots, s` keeps :math:`n_i = \\lfloor n \\eta^{-i} \\rfloor`
configurations trained to :math:`r_i = r \\eta^i` in all. The survivors of a rung are the top
:math:`\\lfloor n_i / \\eta \\rfloor` by the validation metric (:func:`keep_top`).

References:
  Li, Jamieson, DeSalvo, Rostamizadeh, Talwalkar. "Hyperband: A Novel Bandit-Based Approach
  to Hyperparameter Optimization", JMLR 18 (2018), Algorithm 1.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


def _floor_log(ratio: float, eta: int) -> int:
    """``floor(log_eta(ratio))`` computed exactly for integer powers (no float rounding)."""
    s = 0
    while eta ** (s + 1) <= ratio * (1 + 1e-12):
        s += 1
    return s


def hyperband_brackets(
    max_resource: float, eta: int = 3, min_resource: float = 1
) -> list[list[tuple[int, float]]]:
    """Each bracket's rungs as ``(n_configs, resource)`` pairs, most exploratory first.

    Args:
      max_resource: :math:`R`, the most steps (or epochs) one configuration gets.
      eta: :math:`\\eta \\ge 2`, the reduction factor.
      min_resource: :math:`r_{min} \\le R`, the least a configuration gets.

    Returns:
      ``brackets[k][i] = (n_i, r_i)`` for bracket ``s = s_max - k`` and rung ``i``; ``r_i`` is
      the total resource a configuration has received at the end of rung ``i``.

    Example:
      >>> [b[0] for b in hyperband_brackets(81, eta=3)]
      [(81, 1.0), (34, 3.0), (15, 9.0), (8, 27.0), (5, 81.0)]
      >>> hyperband_brackets(81, eta=3)[0]
      [(81, 1.0), (27, 3.0), (9, 9.0), (3, 27.0), (1, 81.0)]
    """
    if isinstance(eta, bool) or not isinstance(eta, numbers.Integral) or eta < 2:
        raise ValueError(f"eta must be an integer >= 2, got {eta!r}")
    for name, v in (("max_resource", max_resource), ("min_resource", min_resource)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not v > 0:
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    if min_resource > max_resource:
        raise ValueError(f"min_resource ({min_resource}) must be <= max_resource ({max_resource})")
    s_max = _floor_log(max_resource / min_resource, eta)
    brackets = []
    for s in range(s_max, -1, -1):
        n = math.ceil((s_max + 1) * eta**s / (s + 1) - 1e-9)
        r = max_resource / eta**s
        brackets.append([(n // eta**i, float(r * eta**i)) for i in range(s + 1)])
    return brackets


def brackets_within(
    max_resource: float, budget: float, eta: int = 3, min_resource: float = 1
) -> list[int]:
    r"""Indices of the brackets, most exploratory first, whose rungs fit in ``budget`` together.

    A bracket costs :math:`\sum_i n_i (r_i - r_{i-1})` (``r_{-1} = 0``, resources rounded to
    whole steps as :func:`~jaxscape.search.hyperband` trains them); a bracket that would overrun
    what is left is skipped. Use it to give Hyperband the budget of another strategy.

    >>> brackets_within(81, budget=600, eta=3)  # brackets cost 297, 276, 279, 324, 405 steps
    [0, 1]
    """
    chosen, spent = [], 0.0
    for k, rungs in enumerate(hyperband_brackets(max_resource, eta, min_resource)):
        cost = bracket_cost(rungs)
        if spent + cost <= budget:
            chosen.append(k)
            spent += cost
    return chosen


def bracket_cost(rungs: list[tuple[int, float]]) -> int:
    r"""Steps a bracket trains in all: :math:`\sum_i n_i (r_i - r_{i-1})`, resources rounded to
    whole steps as :func:`~jaxscape.search.hyperband` trains them.

    >>> bracket_cost(hyperband_brackets(9, eta=3)[0])  # 9 x 1 + 3 x 2 + 1 x 6
    21
    """
    totals = [0] + [round(r) for _, r in rungs]
    return sum(n * (totals[i + 1] - totals[i]) for i, (n, _) in enumerate(rungs))


def keep_top(scores: Any, n_keep: int) -> np.ndarray:
    """Indices of the ``n_keep`` best of ``scores`` (higher is better), best first.

    Ties go to the lower index; NaN (a diverged trial) ranks below every number.

    >>> keep_top([0.5, 0.9, float("nan"), 0.9], 2).tolist()
    [1, 3]
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1:
        raise ValueError(f"scores must be 1-D, got shape {scores.shape}")
    if isinstance(n_keep, bool) or not isinstance(n_keep, numbers.Integral):
        raise TypeError(f"n_keep must be an int, got {n_keep!r}")
    if not 0 <= n_keep <= scores.size:
        raise ValueError(f"n_keep must be in [0, {scores.size}], got {n_keep}")
    key = np.where(np.isnan(scores), -np.inf, scores)
    order = np.lexsort((np.arange(scores.size), -key))
    return order[:n_keep]
