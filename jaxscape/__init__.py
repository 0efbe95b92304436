"""jaxscape: hyperparameter intuition, cheaply.

A *population* — hundreds of training runs that differ only in hyperparameters or seed — is one
``jax.vmap``-ed, ``jax.lax.scan``-ned, jit-compiled computation; a loss landscape is thousands
of points in weight space evaluated the same way.

>>> import jaxscape as js
>>> prob = js.Problem.from_model(js.models.MLP(hidden=(32,)), js.data.digits())
>>> res = js.sweep(prob, js.optim.sgd, {"learning_rate": [0.01, 0.1, 1.0], "momentum": 0.9},
...                steps=50, progress=False)
>>> res.metrics["test_accuracy"].shape
(3, 25)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from jaxscape import data, models, optim, schedules
from jaxscape._compile_cache import enable_compile_cache
from jaxscape.population import Sharpness, SweepResult, grid, sweep
from jaxscape.problem import Problem

__version__ = "0.1.0"

_LAZY = ("bench", "landscape", "tune", "plot", "search", "study", "testfunctions")

if TYPE_CHECKING:  # pragma: no cover
    from jaxscape import bench, landscape, plot, tune


def __getattr__(name: str):
    # landscape/tune/plot import matplotlib or heavier modules; load them on first use.
    if name in _LAZY:
        module = importlib.import_module(f"jaxscape.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'jaxscape' has no attribute {name!r}")


__all__ = [
    "Problem",
    "Sharpness",
    "SweepResult",
    "__version__",
    "bench",
    "data",
    "enable_compile_cache",
    "grid",
    "landscape",
    "models",
    "optim",
    "plot",
    "schedules",
    "search",
    "sweep",
    "tune",
]

from jaxscape.population import Judging, Training  # noqa: E402

__all__ += ["Judging", "Training"]

from jaxscape.population import ASHA, MedianStopping, OptunaPruner, RecordEvent  # noqa: E402

__all__ += ["ASHA", "MedianStopping", "OptunaPruner", "RecordEvent"]

from jaxscape.population import ProblemFamily  # noqa: E402

__all__ += ["ProblemFamily"]
