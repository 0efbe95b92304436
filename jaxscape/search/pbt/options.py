"""PBT's two option objects: when and whom to exploit, and how to explore.

Defaults are Ray Tune's (``perturbation_interval`` is required there too;
``quantile_fraction=0.25``, ``resample_probability=0.25``, ``perturbation_factors=(1.2,
0.8)``).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jaxscape._checks import check_positive_int, check_range


@dataclass(frozen=True)
class Exploit:
    """When members are ranked and the bottom copies the top.

    Attributes:
      interval: steps between exploits (Ray's ``perturbation_interval``).
      burn_in: no exploit before this step; the first is at ``max(interval, burn_in)``
        (Ray's ``burn_in_period``, synchronous mode; :func:`~.schedule.boundaries`).
      quantile: ``q`` in ``(0, 0.5]``: the top and bottom groups have
        ``min(ceil(N q), floor(N / 2))`` members each (Ray's rule). ``q = 0`` would never
        exploit, and is refused.

    Example:
      >>> Exploit(interval=3, burn_in=5)
      Exploit(interval=3, burn_in=5, quantile=0.25)
    """

    interval: int
    burn_in: int = 0
    quantile: float = 0.25

    def __post_init__(self) -> None:
        check_positive_int("interval", self.interval)
        check_positive_int("burn_in", self.burn_in, allow_zero=True)
        if isinstance(self.quantile, bool) or not isinstance(self.quantile, numbers.Real):
            raise TypeError(f"quantile must be a number in (0, 0.5], got {self.quantile!r}")
        if not 0 < self.quantile <= 0.5:
            raise ValueError(
                f"quantile must be in (0, 0.5], got {self.quantile} (0 never exploits: use "
                "js.sweep for independent runs)"
            )


@dataclass(frozen=True)
class Explore:
    """How a copied configuration is perturbed (:func:`~.space.explore`).

    Attributes:
      resample_probability: chance that a value is drawn afresh from the space.
      perturb: the factors a value is multiplied by otherwise, one drawn uniformly.

    Example:
      >>> Explore().perturb
      (0.8, 1.2)
    """

    resample_probability: float = 0.25
    perturb: Sequence[float] = (0.8, 1.2)

    def __post_init__(self) -> None:
        check_range("resample_probability", self.resample_probability, low=0.0, high=1.0)
        factors = _factors(self.perturb)
        object.__setattr__(self, "perturb", factors)


def _factors(perturb: Any) -> tuple[float, ...]:
    try:
        factors = np.asarray(perturb, np.float64)
    except (TypeError, ValueError):
        factors = np.asarray([np.nan])
    if factors.ndim != 1 or factors.size == 0 or not np.all(np.isfinite(factors) & (factors > 0)):
        raise ValueError(f"perturb must be a non-empty list of positive factors, got {perturb!r}")
    return tuple(factors.tolist())
