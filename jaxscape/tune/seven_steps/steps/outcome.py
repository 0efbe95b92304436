"""``StepOutcome``: what one step of the recipe returns, and ``Step``: a step's name and code."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from jaxscape.tune.seven_steps.chosen import Chosen
from jaxscape.tune.seven_steps.context import RecipeContext
from jaxscape.tune.seven_steps.flags import RedFlag
from jaxscape.tune.seven_steps.report import Decision

#: The results of the steps run so far, by name (``"lr_range"``, ``"schedules"``...).
Earlier = Mapping[str, Any]


@dataclass(frozen=True)
class StepOutcome:
    """One step's outcome.

    Attributes:
      chosen: the hyperparameters chosen so far, this step's choice included.
      results: the procedures' results, by the name the report keeps them under.
      decisions: the step's decisions with their reasons, in order.
      flags: the red flags the step raised (the checks that found nothing are dropped).
      note: what it chose, in a few words (the progress line).
    """

    chosen: Chosen
    results: Mapping[str, Any]
    decisions: tuple[Decision, ...]
    flags: tuple[RedFlag, ...]
    note: str

    def __init__(
        self,
        chosen: Chosen,
        results: Mapping[str, Any],
        decisions: Iterable[Decision],
        flags: Iterable[RedFlag | None],
        note: str,
    ):
        object.__setattr__(self, "chosen", chosen)
        object.__setattr__(self, "results", MappingProxyType(dict(results)))
        object.__setattr__(self, "decisions", tuple(decisions))
        object.__setattr__(self, "flags", tuple(f for f in flags if f is not None))
        object.__setattr__(self, "note", note)


@dataclass(frozen=True)
class Step:
    """A step of the recipe.

    Attributes:
      name: its key: checkpoints and timings are filed under it (``"2_learning_rate"``).
      number: how the progress line numbers it (``"2"``, ``"4-5"``).
      describe: ``(ctx, chosen, earlier) -> str``, what it is about to run.
      run: ``(ctx, chosen, earlier) -> StepOutcome``.
    """

    name: str
    number: str
    describe: Callable[[RecipeContext, Chosen, Earlier], str]
    run: Callable[[RecipeContext, Chosen, Earlier], StepOutcome]
