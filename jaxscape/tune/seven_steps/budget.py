"""``Budget``: every budget of the recipe in one place (epochs where the seed speaks of epochs)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from jaxscape._checks import check_positive_int, check_range


@dataclass(frozen=True)
class Budget:
    """The recipe's budgets and resolutions.

    Attributes:
      epochs: N, the short budget of every range test and rate search (steps 2, 3, 6).
      train_epochs: the long budget "until convergence" of the seeded runs (momentum
        confirmation, schedule checks, optimizer comparison); the plateau epoch M is read from it.
      seeds: seeds of every seeded comparison.
      num_rates: learning rates of the parallel range test (and of each optimizer's search).
      min_lr, max_lr: the learning-rate range (SGD's test; Adam and the others search
        ``[min_lr / 10, max_lr]``).
      num_momenta: momenta of the parallel momentum test.
      ramp_steps: steps of the learning-rate ramp shown next to the parallel test (0: none).
      direction_steps: Adam steps that find step 1's direction (0: a random direction).
      line_points: points of the initial line; final_points: of the final line.
      batch_size: mini-batch size of every run.

    Example:
      >>> Budget.quick().epochs, Budget().train_epochs
      (1.0, 20.0)
    """

    epochs: float = 5.0
    train_epochs: float = 20.0
    seeds: int = 5
    num_rates: int = 21
    min_lr: float = 1e-4
    max_lr: float = 10.0
    num_momenta: int = 9
    ramp_steps: int = 100
    direction_steps: int = 50
    line_points: int = 46
    final_points: int = 41
    batch_size: int = 64

    def __post_init__(self):
        check_range("epochs", self.epochs, low=0.0, low_open=True)
        check_range("train_epochs", self.train_epochs, low=0.0, low_open=True)
        check_positive_int("seeds", self.seeds)
        if check_positive_int("num_rates", self.num_rates) < 3:
            raise ValueError(f"num_rates must be >= 3, got {self.num_rates}")
        check_range("min_lr", self.min_lr, low=0.0, low_open=True)
        check_range("max_lr", self.max_lr, low=self.min_lr, low_open=True)
        if check_positive_int("num_momenta", self.num_momenta) < 2:
            raise ValueError(f"num_momenta must be >= 2, got {self.num_momenta}")
        ramp = check_positive_int("ramp_steps", self.ramp_steps, allow_zero=True)
        if 0 < ramp < 6:
            raise ValueError(f"ramp_steps must be 0 or >= 6, got {ramp}")
        check_positive_int("direction_steps", self.direction_steps, allow_zero=True)
        if check_positive_int("line_points", self.line_points) < 3:
            raise ValueError(f"line_points must be >= 3, got {self.line_points}")
        if check_positive_int("final_points", self.final_points) < 3:
            raise ValueError(f"final_points must be >= 3, got {self.final_points}")
        check_positive_int("batch_size", self.batch_size)
        object.__setattr__(self, "epochs", float(self.epochs))
        object.__setattr__(self, "train_epochs", float(self.train_epochs))

    @classmethod
    def quick(cls, **overrides) -> Budget:
        """Every budget cut for a smoke test (well under a minute on a 2-core CPU)."""
        base = dict(
            epochs=1.0,
            train_epochs=3.0,
            seeds=2,
            num_rates=9,
            num_momenta=4,
            ramp_steps=0,
            direction_steps=0,
            line_points=11,
            final_points=11,
        )
        base.update(overrides)
        return cls(**base)

    def replace(self, **changes) -> Budget:
        """A copy with some fields changed (``None`` values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
