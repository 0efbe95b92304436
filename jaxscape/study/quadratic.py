"""``quadratic_regimes``: gradient descent on ``f(x) = L x^2 / 2`` at rates around ``1/L`` and
``2/L`` — slow, one step, oscillating, diverging — as one population.

GD's iterates are ``x_t = (1 - eta L)^t x_0``: for ``eta < 1/L`` they shrink monotonically
(slow), at ``eta = 1/L`` they reach the minimum in one step, for ``1/L < eta < 2/L`` they
alternate sign while shrinking (oscillating), and for ``eta > 2/L`` they alternate and grow
(diverging).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from jaxscape import optim
from jaxscape._checks import check_positive_int, check_range
from jaxscape.population import sweep
from jaxscape.problem import Problem

REGIMES = ("slow", "one_step", "oscillating", "diverging")


def classify_regime(path, tol: float = 1e-6) -> str:
    """Name the regime of one 1-D path ``[T]`` (``T >= 2``) from its numbers.

    ``diverging`` if ``|x_T| > |x_0|``; ``one_step`` if ``|x_1| <= tol |x_0|``;
    ``oscillating`` if consecutive iterates change sign; else ``slow``.

    >>> classify_regime([1.0, 0.5, 0.25]), classify_regime([1.0, -0.5, 0.25])
    ('slow', 'oscillating')
    """
    x = np.asarray(path, np.float64).reshape(-1)
    if x.size < 2:
        raise ValueError("path needs at least two points")
    if not np.isfinite(x[-1]) or abs(x[-1]) > abs(x[0]):
        return "diverging"
    if abs(x[1]) <= tol * abs(x[0]):
        return "one_step"
    if np.any(x[1:] * x[:-1] < 0):
        return "oscillating"
    return "slow"


@dataclass(frozen=True, eq=False)
class QuadraticRegimes:
    """Attributes: ``curvature`` L; ``learning_rate [N]``; ``steps [T]`` (0 ... steps);
    ``paths [N, T]`` the iterates; ``regimes [N]`` from :func:`classify_regime`."""

    curvature: float
    learning_rate: np.ndarray
    steps: np.ndarray
    paths: np.ndarray
    regimes: tuple[str, ...]


def quadratic_regimes(
    curvature: float = 4.0,
    rates: Sequence[float] | None = None,
    *,
    steps: int = 12,
    x0: float = 1.0,
) -> QuadraticRegimes:
    """GD on ``curvature * x^2 / 2`` from ``x0`` at every rate of ``rates``, one population.

    Args:
      curvature: ``L > 0``.
      rates: ``[N]`` learning rates (default ``(0.3, 1, 1.7, 2.1) / L``: one per regime).
      steps: GD steps, all recorded.
      x0: the start.

    Example:
      >>> q = quadratic_regimes(2.0)
      >>> q.regimes
      ('slow', 'one_step', 'oscillating', 'diverging')
    """
    check_range("curvature", curvature, low=0.0, low_open=True)
    steps = check_positive_int("steps", steps)
    L = float(curvature)
    lr = np.asarray((0.3 / L, 1.0 / L, 1.7 / L, 2.1 / L) if rates is None else rates, float)
    if lr.ndim != 1 or lr.size == 0:
        raise ValueError("rates must be a non-empty list of learning rates")
    prob = Problem.from_loss(
        lambda p: 0.5 * L * jnp.sum(p * p), jnp.array([x0], jnp.float32), name="L x^2 / 2"
    )
    res = sweep(
        prob,
        optim.sgd,
        {"learning_rate": lr},
        steps=steps,
        eval_every=1,
        trajectory=list(range(lr.size)),
        diverge_factor=1e30,
        progress=False,
    )
    paths = np.asarray(res.trajectory["params"], np.float64)[..., 0]
    return QuadraticRegimes(
        curvature=L,
        learning_rate=lr,
        steps=np.asarray(res.trajectory["steps"]),
        paths=paths,
        regimes=tuple(classify_regime(p) for p in paths),
    )
