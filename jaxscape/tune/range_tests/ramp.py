"""``Ramp``: the shape of a ramp range test and how its curve is read, as one frozen object.

A ramp is one run whose hyperparameter grows every step (or epoch); its per-step training loss
is smoothed (:func:`jaxscape.tune.range_tests.smoothing.ema`), stopped where it exceeds
``stop_factor`` times its best, trimmed, and read by the rules of
:mod:`jaxscape.tune.range_tests.suggest` — fastai's ``lr_find``. Passing a :class:`Ramp` to a range
test runs it as a ramp; without one the test runs in parallel.
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass
from typing import Any

from jaxscape._checks import check_choice, check_positive_int, check_range
from jaxscape.tune.range_tests.suggest import RULES, SPACINGS

#: Ramp shapes: linear on the value's scale (``"exponential"``) or linear in the value.
SHAPES = ("exponential", "linear")

#: How often the value grows: every optimizer step or every epoch.
EVERY = ("step", "epoch")


@dataclass(frozen=True)
class Ramp:
    """A ramp range test's shape and reading rules.

    Attributes:
      shape: ``"exponential"`` (linear on the scale: geometric for a learning rate) or
        ``"linear"`` (linear in the value).
      every: the value grows every ``"step"`` or every ``"epoch"``.
      rule: the suggestion returned (one of ``rules``).
      rules: the suggestion rules read (:data:`jaxscape.tune.range_tests.suggest.RULES`).
      spacing: what ``"steepest"`` differentiates over (``"log"``, ``"index"``, ``"linear"``).
      beta: EMA smoothing of the loss (``None``: 0.98 per step, none per epoch).
      bias_correction: correct the EMA's start (fastai does).
      stop_factor: the ramp stops where the smoothed loss exceeds this times its best.
      skip_start: points dropped at the start (``None``: ``num // 10``).
      skip_end: points dropped at the end.

    Example:
      >>> from jaxscape.tune import Ramp
      >>> Ramp(shape="linear", every="epoch").replace(rule="slide").rule
      'slide'
      >>> Ramp(stop_factor=1.0)
      Traceback (most recent call last):
      ...
      ValueError: stop_factor must be in (1.0, inf), got 1.0
    """

    shape: str = "exponential"
    every: str = "step"
    rule: str = "valley"
    rules: tuple[str, ...] = RULES
    spacing: str = "log"
    beta: float | None = None
    bias_correction: bool = True
    stop_factor: float = 4.0
    skip_start: int | None = None
    skip_end: int = 5

    def __post_init__(self) -> None:
        check_choice("shape", self.shape, SHAPES)
        check_choice("every", self.every, EVERY)
        if isinstance(self.rules, str) or not all(isinstance(r, str) for r in self.rules):
            raise TypeError(f"rules must be a tuple of rule names, got {self.rules!r}")
        object.__setattr__(self, "rules", tuple(self.rules))
        for name in self.rules:
            check_choice("rules", name, RULES)
        check_choice("rule", self.rule, self.rules)
        check_choice("spacing", self.spacing, SPACINGS)
        if self.beta is not None:
            _real("beta", self.beta)
            check_range("beta", self.beta, low=0.0, high=1.0, high_open=True)
        if not isinstance(self.bias_correction, bool):
            raise TypeError(f"bias_correction must be a bool, got {self.bias_correction!r}")
        _real("stop_factor", self.stop_factor)
        check_range("stop_factor", self.stop_factor, low=1.0, low_open=True)
        if self.skip_start is not None:
            check_positive_int("skip_start", self.skip_start, allow_zero=True)
        check_positive_int("skip_end", self.skip_end, allow_zero=True)

    def replace(self, **changes: Any) -> Ramp:
        """A copy with ``changes`` (validated again)."""
        return dataclasses.replace(self, **changes)

    def reading(self) -> dict[str, Any]:
        """The fields of :class:`jaxscape.tune.range_tests._run_ramp.RampReading` it sets (all but
        ``metric``, ``beta`` and ``scale``)."""
        return {
            "rule": self.rule,
            "rules": self.rules,
            "spacing": self.spacing,
            "bias_correction": self.bias_correction,
            "stop_factor": float(self.stop_factor),
            "skip_start": self.skip_start,
            "skip_end": self.skip_end,
        }


def _real(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
