"""``Chosen``: the hyperparameters the recipe has chosen so far, one frozen value per step.

Each step of :func:`jaxscape.tune.recipe` receives the ``Chosen`` of the steps before it and
returns a new one with its own choice filled in (``dataclasses.replace``); ``None`` marks a
choice not made yet. :meth:`Chosen.to_dict` is the ``hyperparameters`` of the report (and of
``summary.json``), less the final numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from jaxscape.schedules import power_decay_alpha

#: The cyclical rate of step 5, as multiples of the chosen rate: 2x down to 1/2x over M epochs.
CYCLE_HIGH, CYCLE_LOW = 2.0, 0.5


@dataclass(frozen=True)
class Chosen:
    """The hyperparameters chosen so far (``None``: not chosen yet).

    Attributes:
      learning_rate: SGD's rate (step 2).
      momentum: SGD's momentum, 0 when it did not help (step 3).
      plateau_epoch: M, the epoch the loss plateaus at (read in step 4, or given).
      use_decay: power decay ``alpha = (2/3)^(1/M)`` per epoch helps (step 4).
      use_cyclical: the cyclical rate, 2x down to 1/2x over M epochs, helps (step 5).
      best_optimizer: the family with the best final metric (step 6).
      best_hyperparameters: that family's hyperparameters (``learning_rate``, ...).

    Example:
      >>> from jaxscape.tune.seven_steps.chosen import Chosen
      >>> c = Chosen(learning_rate=0.1, momentum=0.9, plateau_epoch=4, use_decay=True,
      ...            use_cyclical=False)
      >>> round(c.decay, 4), c.schedule, c.arm
      (0.9036, 'power decay', 'decay')
    """

    learning_rate: float | None = None
    momentum: float | None = None
    plateau_epoch: int | None = None
    use_decay: bool | None = None
    use_cyclical: bool | None = None
    best_optimizer: str | None = None
    best_hyperparameters: Mapping[str, float | str] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def replace(self, **changes: Any) -> Chosen:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    @property
    def alpha(self) -> float | None:
        """The power decay's per-epoch factor ``(2/3)^(1/M)`` (``None`` before M is read)."""
        if self.plateau_epoch is None:
            return None
        return float(power_decay_alpha(self.plateau_epoch))

    @property
    def decay(self) -> float | None:
        """:attr:`alpha` when decay is used, else ``None``."""
        return self.alpha if self.use_decay else None

    @property
    def arm(self) -> str:
        """The arm of the schedule check that was chosen: ``"decay"``, ``"cyclical"`` or
        ``"constant"``."""
        return "decay" if self.use_decay else "cyclical" if self.use_cyclical else "constant"

    @property
    def schedule(self) -> str:
        """The chosen schedule in words: ``"power decay"``, ``"cyclical"`` or ``"constant"``."""
        return {"decay": "power decay"}.get(self.arm, self.arm)

    def sgd_hyperparameters(self, steps_per_epoch: int) -> dict[str, float]:
        """The tuned SGD as the hyperparameters of ``with_schedule(sgd, policy)``: rate,
        momentum, decay factor (1: none) and cycle (0 epochs: none)."""
        cyc = bool(self.use_cyclical)
        return {
            "learning_rate": float(self.learning_rate),
            "momentum": float(self.momentum),
            "decay": self.alpha if self.use_decay else 1.0,
            "cycle_epochs": float(self.plateau_epoch) if cyc else 0.0,
            "cycle_high": CYCLE_HIGH if cyc else 1.0,
            "cycle_low": CYCLE_LOW if cyc else 1.0,
            "steps_per_epoch": float(steps_per_epoch),
        }

    def to_dict(self) -> dict[str, Any]:
        """The report's ``hyperparameters`` (without ``final`` / ``final_val``)."""
        m = self.plateau_epoch
        return {
            "learning_rate": _float(self.learning_rate),
            "momentum": _float(self.momentum),
            "use_decay": None if self.use_decay is None else bool(self.use_decay),
            "use_cyclical": None if self.use_cyclical is None else bool(self.use_cyclical),
            "plateau_epoch": None if m is None else int(m),
            "decay": self.decay,
            "cycle": (
                {"epochs": int(m), "high": CYCLE_HIGH, "low": CYCLE_LOW}
                if self.use_cyclical
                else None
            ),
            "best_optimizer": (
                None
                if self.best_optimizer is None
                else {"name": self.best_optimizer, **self.best_hyperparameters}
            ),
        }


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)
