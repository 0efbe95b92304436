"""The population engine: many training runs as one compiled computation."""

from jaxscape.population.result import SweepResult
from jaxscape.population.sharpness import Sharpness
from jaxscape.population.sweep import sweep
from jaxscape.population.table import grid

__all__ = ["Sharpness", "SweepResult", "grid", "sweep"]

from jaxscape.population.judging import Judging
from jaxscape.population.training import Training

__all__ += ["Judging", "Training"]
