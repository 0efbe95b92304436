"""``race``: optimizers racing on a 2-D test function, every optimizer x rate one trial of one
population."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jaxscape import optim
from jaxscape._checks import check_positive_int
from jaxscape.population import sweep
from jaxscape.study._switch import one_of
from jaxscape.testfunctions import Function2D

Spec = tuple[Callable[..., Any], dict[str, Any]]

#: Every optimizer of :mod:`jaxscape.optim` with torch's defaults (momentum variants of SGD at
#: 0.9), ``name -> (factory, fixed keywords)``.
RACERS: dict[str, Spec] = {
    "SGD": (optim.sgd, {}),
    "Momentum": (optim.sgd, {"momentum": 0.9}),
    "Nesterov": (optim.sgd, {"momentum": 0.9, "nesterov": True}),
    "Adagrad": (optim.adagrad, {}),
    "Adadelta": (optim.adadelta, {}),
    "RMSprop": (optim.rmsprop, {}),
    "Adam": (optim.adam, {}),
    "AdamW": (optim.adamw, {}),
    "Adamax": (optim.adamax, {}),
    "NAdam": (optim.nadam, {}),
}


@dataclass(frozen=True, eq=False)
class RaceResult:
    """Paths of optimizers on a 2-D function.

    Attributes:
      function: the :class:`~jaxscape.testfunctions.Function2D` raced on.
      optimizer: ``[N]`` names.
      learning_rate: ``[N]``.
      steps: ``[T]`` ``0, 1, ..., steps``.
      paths: ``[N, T, 2]`` the points (a diverged trial stays where it was frozen).
      loss: ``[N, T]`` ``f`` along each path.
      distance: ``[N, T]`` distance to the nearest minimum (the saddle point for the saddle).
      diverged: ``[N]`` bool.
    """

    function: Function2D
    optimizer: np.ndarray
    learning_rate: np.ndarray
    steps: np.ndarray
    paths: np.ndarray
    loss: np.ndarray
    distance: np.ndarray
    diverged: np.ndarray

    @property
    def labels(self) -> list[str]:
        """``[N]`` ``"Adam 0.1"``-style legend labels."""
        return [f"{o} {r:g}" for o, r in zip(self.optimizer, self.learning_rate, strict=True)]


def race(
    function: Function2D,
    rates: Mapping[str, Sequence[float]],
    *,
    optimizers: Mapping[str, Spec] | None = None,
    steps: int = 200,
    start: tuple[float, float] | None = None,
) -> RaceResult:
    """Race optimizers from one start on ``function``: one population, one trial per rate.

    Args:
      function: a 2-D test function (:mod:`jaxscape.testfunctions`).
      rates: ``{name: [rates]}``; names index ``optimizers``.
      optimizers: ``name -> (factory, fixed keywords)`` (default :data:`RACERS`).
      steps: full-batch steps; every step is recorded.
      start: the starting point (default the function's).

    Returns:
      A :class:`RaceResult` with ``N = sum(len(r) for r in rates.values())`` trials.

    Example:
      >>> import jaxscape.testfunctions as tf
      >>> res = race(tf.ill_conditioned(), {"SGD": [0.05], "Adam": [0.1]}, steps=5)
      >>> res.paths.shape, res.paths[0, 1].round(3).tolist()   # SGD: (1 - 0.05) x, (1 - 1.25) y
      ((2, 6, 2), [-3.8, -0.25])
    """
    specs = dict(RACERS if optimizers is None else optimizers)
    steps = check_positive_int("steps", steps)
    unknown = [n for n in rates if n not in specs]
    if unknown or not rates:
        raise ValueError(f"rates must name optimizers among {list(specs)}; got {list(rates)}")
    names = list(rates)
    optimizer = np.array([n for n in names for _ in rates[n]])
    lr = np.array([float(r) for n in names for r in rates[n]], np.float64)
    if lr.size == 0:
        raise ValueError("rates has no learning rates")
    choice = np.array([float(names.index(n)) for n in optimizer])
    res = sweep(
        function.problem(start),
        one_of([specs[n] for n in names]),
        {"learning_rate": lr, "choice": choice},
        steps=steps,
        eval_every=1,
        trajectory=list(range(lr.size)),
        diverge_factor=1e6,
        progress=False,
    )
    paths = np.asarray(res.trajectory["params"], np.float64)
    return RaceResult(
        function=function,
        optimizer=optimizer,
        learning_rate=lr,
        steps=np.asarray(res.trajectory["steps"]),
        paths=paths,
        loss=np.asarray(function(paths.astype(np.float32)), np.float64),
        distance=function.distance(paths),
        diverged=np.asarray(res.diverged, bool),
    )
