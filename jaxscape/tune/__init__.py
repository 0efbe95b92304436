"""Tuning procedures built on populations: the seven-step recipe and its parts.

Every procedure is usable alone and returns a small dataclass holding its data (curves as
arrays), its suggestion or verdict, and a ``plot()`` method:

1. :func:`initial_line_search` — a line through the initial weights;
2. :func:`lr_range_test` — parallel (one population of fixed rates) or ramp (fastai-style),
   with the four suggestion rules and the divergence point;
3. :func:`momentum_range_test` and :func:`confirm_momentum`;
4. and 5. :func:`check_decay`, :func:`check_cyclical` (:func:`check_schedules` for both at
   once) — baseline and variants in one population over seeds, verdicts with effect sizes;
6. :func:`compare_optimizers` — each optimizer family gets its own rate search;
7. :func:`final_line_search` — from the initial to the trained weights;

and :func:`recipe` runs all seven, returning a :class:`Report` with red flags
(:mod:`jaxscape.tune.flags`).
"""

from jaxscape.tune.band import Band, select_band
from jaxscape.tune.budget import Budget
from jaxscape.tune.comparison import Comparison
from jaxscape.tune.flags import RedFlag
from jaxscape.tune.line_search import Barrier, barrier, final_line_search, initial_line_search
from jaxscape.tune.lr_range import lr_range_test
from jaxscape.tune.momentum_range import confirm_momentum, momentum_range_test
from jaxscape.tune.optimizers import OptimizerComparison, compare_optimizers
from jaxscape.tune.plateau import Plateau, plateau_epoch
from jaxscape.tune.range_result import ParallelRangeTest, RampRangeTest
from jaxscape.tune.recipe import default_problem, recipe
from jaxscape.tune.report import Decision, Report
from jaxscape.tune.schedule_check import check_cyclical, check_decay, check_schedules
from jaxscape.tune.smoothing import ema, stop_index
from jaxscape.tune.suggest import minimum, slide, steepest, suggest, valley
from jaxscape.tune.verdict import Verdict, paired_verdict

__all__ = [
    "Band",
    "Barrier",
    "Budget",
    "Comparison",
    "Decision",
    "OptimizerComparison",
    "ParallelRangeTest",
    "Plateau",
    "RampRangeTest",
    "RedFlag",
    "Report",
    "Verdict",
    "barrier",
    "check_cyclical",
    "check_decay",
    "check_schedules",
    "compare_optimizers",
    "confirm_momentum",
    "default_problem",
    "ema",
    "final_line_search",
    "initial_line_search",
    "lr_range_test",
    "minimum",
    "momentum_range_test",
    "paired_verdict",
    "plateau_epoch",
    "recipe",
    "select_band",
    "slide",
    "steepest",
    "stop_index",
    "suggest",
    "valley",
]
