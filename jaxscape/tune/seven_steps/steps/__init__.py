"""The recipe's steps, one module each; :data:`STEPS` runs them in order.

Each module has ``describe(ctx, chosen, earlier) -> str`` (its progress line) and
``run(ctx, chosen, earlier) -> StepOutcome``: ``ctx`` the
:class:`~jaxscape.tune.seven_steps.context.RecipeContext`, ``chosen`` the
:class:`~jaxscape.tune.seven_steps.chosen.Chosen` of the steps before, ``earlier`` their results by
name. Steps 4 and 5 share one population (constant, decay and cyclical paired on the same seeds), so
one module decides both.
"""

from __future__ import annotations

from jaxscape.tune.seven_steps.steps import (
    learning_rate,
    line_at_start,
    line_to_trained,
    momentum,
    other_optimizers,
)
from jaxscape.tune.seven_steps.steps import schedules as _schedules
from jaxscape.tune.seven_steps.steps.outcome import Step, StepOutcome

STEPS: tuple[Step, ...] = tuple(
    Step(name, number, module.describe, module.run)
    for name, number, module in (
        ("1_initial_line", "1", line_at_start),
        ("2_learning_rate", "2", learning_rate),
        ("3_momentum", "3", momentum),
        ("4_5_schedules", "4-5", _schedules),
        ("6_optimizers", "6", other_optimizers),
        ("7_final_line", "7", line_to_trained),
    )
)

#: The practitioner's procedure has seven steps (4 and 5 run as one).
NUM_STEPS = 7

__all__ = ["NUM_STEPS", "STEPS", "Step", "StepOutcome"]
