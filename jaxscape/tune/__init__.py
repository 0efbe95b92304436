"""Tuning procedures built on populations: the seven-step recipe and its parts.

Every procedure is usable alone and returns a frozen result dataclass holding its data (curves
as arrays), its suggestion or verdict, with ``plot()``, ``save()``/``load()``, ``summary()`` and
a table (the protocol of :mod:`jaxscape._result`):

1. :func:`initial_line_search` — a line through the initial weights;
2. :func:`lr_range_test` — parallel (one population of fixed rates) or ramp (fastai-style),
   with the four suggestion rules and the divergence point; a preset of :func:`range_test`,
   the range test of any numeric hyperparameter;
3. :func:`momentum_range_test` (the other preset) and :func:`confirm_momentum`;
4. :func:`check_decay` — does a decaying rate help;
5. :func:`check_cyclical` — does a cyclical rate help (:func:`check_schedules` for both at
   once): baseline and variants in one population over seeds, verdicts with effect sizes;
6. :func:`compare_optimizers` — each optimizer family gets its own rate search;
7. :func:`final_line_search` — from the initial to the trained weights;

and :func:`recipe` runs all seven, returning a :class:`Report` with red flags
(:mod:`jaxscape.tune.seven_steps.flags`). The rules the procedures apply live in their modules:
:mod:`~jaxscape.tune.range_tests.smoothing` (``ema``, ``stop_index``),
:mod:`~jaxscape.tune.range_tests.suggest` (``valley``, ``slide``, ``minimum``, ``steepest``),
:mod:`~jaxscape.tune.range_tests.band` (``select_band``), :mod:`~jaxscape.tune.comparisons.verdict`
(``paired_verdict``), :mod:`~jaxscape.tune.comparisons.plateau` (``plateau_epoch``),
:mod:`~jaxscape.tune.seven_steps.line_search` (``barrier``).
"""

from jaxscape.tune.comparisons.comparison import Comparison
from jaxscape.tune.comparisons.momentum import confirm_momentum
from jaxscape.tune.comparisons.optimizers import OptimizerComparison, compare_optimizers
from jaxscape.tune.comparisons.plateau import Plateau
from jaxscape.tune.comparisons.schedules import (
    ScheduleVariants,
    check_cyclical,
    check_decay,
    check_schedules,
)
from jaxscape.tune.comparisons.verdict import Verdict
from jaxscape.tune.range_tests.band import Band
from jaxscape.tune.range_tests.learning_rate import lr_range_test
from jaxscape.tune.range_tests.momentum import momentum_range_test
from jaxscape.tune.range_tests.ramp import Ramp
from jaxscape.tune.range_tests.range_test import range_test
from jaxscape.tune.range_tests.result import ParallelRangeTest, RampRangeTest
from jaxscape.tune.seven_steps.budget import Budget
from jaxscape.tune.seven_steps.flags import RedFlag
from jaxscape.tune.seven_steps.line_search import Barrier, final_line_search, initial_line_search
from jaxscape.tune.seven_steps.recipe import default_problem, recipe
from jaxscape.tune.seven_steps.report import Decision, Report

__all__ = [
    "Band",
    "Barrier",
    "Budget",
    "Comparison",
    "Decision",
    "OptimizerComparison",
    "ParallelRangeTest",
    "Plateau",
    "Ramp",
    "RampRangeTest",
    "RedFlag",
    "Report",
    "ScheduleVariants",
    "Verdict",
    "check_cyclical",
    "check_decay",
    "check_schedules",
    "compare_optimizers",
    "confirm_momentum",
    "default_problem",
    "final_line_search",
    "initial_line_search",
    "lr_range_test",
    "momentum_range_test",
    "range_test",
    "recipe",
]
