"""PBT's search space: which parameters it searches, which it keeps fixed, and its explore step.

A space is a :class:`~jaxscape.search.Space` without :func:`~jaxscape.search.choice`, a dict
``{name: kind}`` of :mod:`~jaxscape.search.params` kinds, or a dict of plain ranges
``{name: (lo, hi)}``: ``log_uniform(lo, hi)`` when ``lo > 0`` and ``hi / lo >= 100`` (two
decades or more: learning rates, weight decay), ``uniform(lo, hi)`` otherwise. A plain number
is fixed. Searched values are numeric (categorical values must be numbers): they are the
trials' hyperparameter arrays, edited between compiled calls.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jaxscape.search import params as P
from jaxscape.search.space import Choice, Space

#: ``hi / lo`` from which a plain ``(lo, hi)`` range with ``lo > 0`` is searched on a log scale.
LOG_RATIO = 100.0


def _is_range(value: Any) -> bool:
    return (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
    )


def _range_kind(lo: float, hi: float) -> P.Uniform:
    if lo > 0 and hi / lo >= LOG_RATIO:
        return P.log_uniform(lo, hi)
    return P.uniform(lo, hi)


def resolve_space(space: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(searched {name: kind}, fixed {name: value})`` of ``space`` (see the module docstring)."""
    if isinstance(space, Space):
        spec = space.spec
    elif isinstance(space, Mapping):
        spec = {k: _range_kind(*map(float, v)) if _is_range(v) else v for k, v in space.items()}
        spec = Space(spec).spec
    else:
        raise TypeError(
            "space must be a jaxscape.search.Space or a dict {name: kind or (lo, hi)}, "
            f"got {type(space).__name__}"
        )
    searched: dict[str, Any] = {}
    fixed: dict[str, Any] = {}
    for name, kind in spec.items():
        if isinstance(kind, Choice):
            raise ValueError(
                f"space: pbt searches numeric hyperparameters; {name!r} is a choice(...) "
                "(run one pbt per branch)"
            )
        if isinstance(kind, P.Fixed):
            fixed[name] = kind.value
        elif isinstance(kind, P.Categorical) and not all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in kind.values
        ):
            raise ValueError(f"space: categorical {name!r} must hold numbers, got {kind.values}")
        else:
            searched[name] = kind
    if not searched:
        raise ValueError("space has no parameter to search (every one is fixed)")
    return searched, fixed


def sample(rng: np.random.Generator, kinds: Mapping[str, Any], n: int) -> dict[str, np.ndarray]:
    """``{name: [n]}`` float64 values drawn from each kind, in the space's order."""
    return {name: kind.sample(rng, n).astype(np.float64) for name, kind in kinds.items()}


def explore(
    rng: np.random.Generator,
    kinds: Mapping[str, Any],
    values: Mapping[str, float],
    perturb: Sequence[float],
    resample_probability: float,
) -> dict[str, float]:
    """Ray Tune's explore of one copied configuration, parameter by parameter (space order).

    With probability ``resample_probability`` a value is drawn afresh from its kind;
    otherwise a categorical value moves to a neighbour (one position down or up, equally
    likely, kept inside the list: Ray's shift), and a number is multiplied by a factor drawn
    uniformly from ``perturb``. Two deliberate differences from Ray, which leaves a product
    unbounded and truncates an integer with ``int()``:

    * the product is clipped into the kind's bounds (a rate never leaves the space searched);
    * an ``int_uniform`` value moves by at least one in the factor's direction
      (``max(ceil(v f), v + 1)`` for ``f > 1``, ``min(floor(v f), v - 1)`` for ``f < 1``,
      then clipped): with ``int(v f)``, 1 and 2 could only ever shrink, and rounding would
      keep them for good.

    Example:
      >>> import numpy as np
      >>> from jaxscape.search import int_uniform
      >>> [explore(np.random.default_rng(s), {"k": int_uniform(1, 8)}, {"k": 1.0}, (1.2,), 0.0)
      ...  for s in range(2)]
      [{'k': 2.0}, {'k': 2.0}]
    """
    out = {}
    for name, kind in kinds.items():
        value = float(values[name])
        if rng.random() < resample_probability:
            out[name] = float(kind.sample(rng, 1)[0])
        elif isinstance(kind, P.Categorical):
            options = [float(v) for v in kind.values]
            at = int(np.argmin(np.abs(np.asarray(options) - value)))
            step = (-1, 1)[int(rng.integers(2))]
            out[name] = options[min(max(at + step, 0), len(options) - 1)]
        else:
            factor = float(perturb[int(rng.integers(len(perturb)))])
            out[name] = float(kind.clip(_scaled(kind, value, factor)))
    return out


def _scaled(kind: Any, value: float, factor: float) -> float:
    """``value * factor``; for an integer kind, at least one step in the factor's direction."""
    product = value * factor
    if not isinstance(kind, P.IntUniform) or factor == 1.0:
        return product
    if factor > 1.0:
        return float(max(math.ceil(product - 1e-9), value + 1))
    return float(min(math.floor(product + 1e-9), value - 1))


def describe(kinds: Mapping[str, Any]) -> dict[str, str]:
    """``{name: repr(kind)}`` for result files."""
    return {name: repr(kind) for name, kind in kinds.items()}
