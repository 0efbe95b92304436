"""The population engine: many training runs as one compiled computation."""

from jaxscape.population.family import ProblemFamily
from jaxscape.population.judging import Judging
from jaxscape.population.pruning import ASHA, MedianStopping, OptunaPruner
from jaxscape.population.record import RecordEvent
from jaxscape.population.result import SweepResult
from jaxscape.population.sharpness import Sharpness
from jaxscape.population.sweep import sweep
from jaxscape.population.table import grid
from jaxscape.population.training import Training

__all__ = [
    "ASHA",
    "Judging",
    "MedianStopping",
    "OptunaPruner",
    "ProblemFamily",
    "RecordEvent",
    "Sharpness",
    "SweepResult",
    "Training",
    "grid",
    "sweep",
]
