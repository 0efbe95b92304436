"""Analytic 2-D test functions for optimizer trajectories, as :class:`~jaxscape.Problem`s.

Each function is a :class:`Function2D`: the formula ``f(p)`` of a point ``p = [x, y]``, its
known minima, a customary starting point and a plotting window. ``fn.problem()`` is a
full-batch :class:`~jaxscape.Problem` whose parameters are the point ``[2]``, so a
:func:`jaxscape.sweep` over optimizers and rates is one population of racing points.

========================  =============================================  ======================
function                  formula                                        minima (value)
========================  =============================================  ======================
:func:`rosenbrock`        ``(1 - x)^2 + 100 (y - x^2)^2``                ``(1, 1)`` (0)
:func:`beale`             ``sum_i (c_i - x + x y^i)^2``, c = 1.5, 2.25,   ``(3, 0.5)`` (0)
                          2.625
:func:`himmelblau`        ``(x^2 + y - 11)^2 + (x + y^2 - 7)^2``          four points (0)
:func:`saddle`            ``x^2 - y^2``                                  none (saddle at 0)
:func:`ill_conditioned`   ``(x^2 + kappa y^2) / 2``                      ``(0, 0)`` (0)
:func:`rastrigin`         ``20 + sum (x_i^2 - 10 cos(2 pi x_i))``        ``(0, 0)`` (0)
========================  =============================================  ======================

>>> import jaxscape.testfunctions as tf
>>> fn = tf.rosenbrock()
>>> float(fn(fn.minima[0])), fn.start
(0.0, (-1.2, 1.0))
>>> fn.problem().num_params
2
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from jaxscape._checks import check_range
from jaxscape.problem import Problem

Point = tuple[float, float]


@dataclass(frozen=True)
class Function2D:
    """A scalar function of a point ``p = [x, y]`` with known minima.

    Attributes:
      name: short name (``"rosenbrock"``).
      fn: ``p [2] -> scalar``, jittable and differentiable.
      minima: the global minima ``((x, y), ...)``; empty for the saddle (unbounded below).
      minimum_value: ``f`` at the minima (``nan`` when there are none).
      start: the customary starting point.
      bounds: ``((x_lo, x_hi), (y_lo, y_hi))``, a window that shows the start and the minima.
      log_levels: draw contours on a log scale (valleys spanning orders of magnitude).

    Example:
      >>> import jax.numpy as jnp
      >>> fn = himmelblau()
      >>> len(fn.minima), round(float(fn(jnp.array([3.0, 2.0]))), 6)
      (4, 0.0)
    """

    name: str
    fn: Callable[[jax.Array], jax.Array]
    minima: tuple[Point, ...]
    minimum_value: float
    start: Point
    bounds: tuple[Point, Point]
    log_levels: bool = False

    def __call__(self, p) -> jax.Array:
        """``f(p)`` for a point ``[2]`` (or any ``[..., 2]`` array, evaluated pointwise)."""
        p = jnp.asarray(p, jnp.float32)
        if p.ndim == 1:
            return self.fn(p)
        flat = p.reshape(-1, 2)
        return jax.vmap(self.fn)(flat).reshape(p.shape[:-1])

    @property
    def targets(self) -> np.ndarray:
        """``[K, 2]`` the points distances are measured to: the minima, or the saddle point."""
        return np.asarray(self.minima if self.minima else ((0.0, 0.0),), np.float64)

    def distance(self, points) -> np.ndarray:
        """``[..., 2] -> [...]``: Euclidean distance to the nearest of :attr:`targets`."""
        pts = np.asarray(points, np.float64)[..., None, :]
        return np.min(np.linalg.norm(pts - self.targets, axis=-1), axis=-1)

    def problem(self, start: Point | None = None) -> Problem:
        """A full-batch :class:`~jaxscape.Problem`; the parameters are the point ``[2]``.

        Args:
          start: the starting point (default :attr:`start`); every trial starts there.
        """
        p0 = jnp.asarray(self.start if start is None else start, jnp.float32)
        if p0.shape != (2,):
            raise ValueError(f"start must be a point (x, y), got shape {p0.shape}")
        return Problem.from_loss(self.fn, p0, name=self.name)


def rosenbrock() -> Function2D:
    """Rosenbrock's banana valley ``(1 - x)^2 + 100 (y - x^2)^2``; minimum 0 at ``(1, 1)``."""

    def f(p):
        x, y = p[0], p[1]
        return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2

    return Function2D("rosenbrock", f, ((1.0, 1.0),), 0.0, (-1.2, 1.0), ((-2, 2), (-1, 3)), True)


def beale() -> Function2D:
    """Beale's function ``sum_{i=1..3} (c_i - x + x y^i)^2``, ``c = (1.5, 2.25, 2.625)``;
    minimum 0 at ``(3, 0.5)``, flat plateaus and steep walls elsewhere."""

    def f(p):
        x, y = p[0], p[1]
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2

    return Function2D("beale", f, ((3.0, 0.5),), 0.0, (1.0, 1.5), ((-1, 4.5), (-1.5, 2)), True)


_HIMMELBLAU_MINIMA = (
    (3.0, 2.0),
    (-2.805118, 3.131312),
    (-3.779310, -3.283186),
    (3.584428, -1.848126),
)


def himmelblau() -> Function2D:
    """Himmelblau's ``(x^2 + y - 11)^2 + (x + y^2 - 7)^2``: four minima of value 0."""

    def f(p):
        x, y = p[0], p[1]
        return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2

    return Function2D(
        "himmelblau", f, _HIMMELBLAU_MINIMA, 0.0, (0.0, 0.0), ((-5, 5), (-5, 5)), True
    )


def saddle() -> Function2D:
    """The saddle ``x^2 - y^2``: no minimum; a start just off the ridge ``y = 0`` shows who
    escapes (distances are measured to the saddle point ``(0, 0)``)."""

    def f(p):
        return p[0] ** 2 - p[1] ** 2

    return Function2D("saddle", f, (), float("nan"), (1.0, 1e-3), ((-1.5, 1.5), (-1.5, 1.5)))


def ill_conditioned(condition: float = 25.0) -> Function2D:
    """The quadratic ``(x^2 + kappa y^2) / 2`` with condition number ``kappa = condition``
    (curvatures 1 and ``kappa``); minimum 0 at the origin. Gradient descent is stable for
    rates below ``2 / kappa`` and then crawls along ``x`` at ``(1 - lr)^t``."""
    check_range("condition", condition, low=1.0)
    kappa = float(condition)

    def f(p):
        return 0.5 * (p[0] ** 2 + kappa * p[1] ** 2)

    return Function2D(
        "ill_conditioned", f, ((0.0, 0.0),), 0.0, (-4.0, 1.0), ((-4.5, 4.5), (-1.5, 1.5))
    )


def rastrigin() -> Function2D:
    """Rastrigin's ``20 + sum_i (x_i^2 - 10 cos(2 pi x_i))``: a bowl covered in local minima;
    global minimum 0 at the origin."""

    def f(p):
        return 20.0 + jnp.sum(p * p - 10.0 * jnp.cos(2.0 * jnp.pi * p))

    return Function2D("rastrigin", f, ((0.0, 0.0),), 0.0, (2.2, 2.7), ((-3, 3), (-3, 3)))


#: Every test function by name, as zero-argument constructors.
FUNCTIONS: dict[str, Callable[[], Function2D]] = {
    "rosenbrock": rosenbrock,
    "beale": beale,
    "himmelblau": himmelblau,
    "saddle": saddle,
    "ill_conditioned": ill_conditioned,
    "rastrigin": rastrigin,
}
