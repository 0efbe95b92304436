"""Two-dimensional landscapes: ``theta + x dx + y dy`` on a grid, optionally with a trajectory."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxscape._checks import check_positive_int, check_range
from jaxscape.landscape._points import evaluate_landscape
from jaxscape.landscape._tree import check_same_tree
from jaxscape.landscape._validate import (
    check_params,
    check_points,
    check_request,
    direction_state,
    resolve_state,
)
from jaxscape.landscape.direction import Direction, as_direction
from jaxscape.landscape.pca import trajectory_pca
from jaxscape.landscape.result import LandscapeSurface
from jaxscape.problem import Problem

Params = Any
State = Any

#: Default resolution of each axis of a plane.
DEFAULT_RESOLUTION = 41


def _optional_array(name: str, value: Any, shape: tuple[int | None, ...]) -> np.ndarray | None:
    if value is None:
        return None
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != len(shape) or any(
        s is not None and s != a for s, a in zip(shape, arr.shape, strict=True)
    ):
        want = "[" + ", ".join("T" if s is None else str(s) for s in shape) + "]"
        raise ValueError(f"{name} must have shape {want}, got {list(arr.shape)}")
    return arr


def plane(
    prob: Problem,
    params: Params,
    dx: Direction | Params,
    dy: Direction | Params,
    xs: Sequence[float] | np.ndarray | None = None,
    ys: Sequence[float] | np.ndarray | None = None,
    *,
    state: State | None = None,
    move: str = "params",
    trajectory: np.ndarray | None = None,
    explained_variance: np.ndarray | None = None,
    splits: Sequence[str] | None = None,
    batch_size: int = 1024,
    points_per_chunk: int | None = None,
    progress: bool = True,
    factored: bool | None = None,
    label: str | None = None,
) -> LandscapeSurface:
    """Metrics at ``params + x * dx + y * dy`` for every ``x`` in ``xs`` and ``y`` in ``ys``.

    All ``ny * nx`` points are evaluated as in :func:`line` (chunks of points ``vmap``-ed,
    exact means over each split in data batches).

    Args:
      prob: the problem.
      params: the centre (``x = y = 0``).
      dx, dy: two directions (:class:`~jaxscape.landscape.Direction` or parameter pytrees).
        Li et al. draw them independently; pass ``orthogonal_to=dx`` to
        :func:`~jaxscape.landscape.random_direction` for an exactly orthogonal pair.
      xs: ``[nx]`` coordinates along ``dx``; default 41 points in ``[-1, 1]``.
      ys: ``[ny]`` coordinates along ``dy``; default 41 points in ``[-1, 1]``.
      state, move: as for :func:`line` (``move="all"`` needs state parts in both directions).
      trajectory: optional ``[T, 2]`` coordinates to keep with the surface (plots draw them),
        e.g. :attr:`TrajectoryPCA.coordinates` or :func:`project_trajectory`'s output.
      explained_variance: optional ``[2]`` explained-variance ratios of PCA directions.
      splits, batch_size, points_per_chunk, progress, label: as for :func:`line`.

    Returns:
      A :class:`~jaxscape.landscape.LandscapeSurface` whose metrics are ``[ny, nx]``.

    Example:
      >>> import jax, jaxscape as js
      >>> prob = js.Problem.from_model(js.models.MLP(hidden=(16,)), js.data.digits())
      >>> params, _ = prob.init(jax.random.key(0))
      >>> dx = js.landscape.random_direction(params, jax.random.key(1))
      >>> dy = js.landscape.random_direction(params, jax.random.key(2))
      >>> surf = js.landscape.plane(prob, params, dx, dy, [-1, 0, 1], [0, 1], progress=False)
      >>> surf.metrics["train_loss"].shape
      (2, 3)
    """
    req = check_request(
        prob,
        move=move,
        splits=splits,
        batch_size=batch_size,
        points_per_chunk=points_per_chunk,
        progress=progress,
        factored=factored,
        label=label,
    )
    default = np.linspace(-1.0, 1.0, DEFAULT_RESOLUTION)
    xs = check_points("xs", default if xs is None else xs)
    ys = check_points("ys", default if ys is None else ys)
    params = check_params(req.prob, "params", params)
    dx, dy = as_direction(dx), as_direction(dy)
    check_same_tree("dx", dx.params, "params", params)
    check_same_tree("dy", dy.params, "params", params)
    trajectory = _optional_array("trajectory", trajectory, (None, 2))
    explained_variance = _optional_array("explained_variance", explained_variance, (2,))
    state = resolve_state(req.prob, "state", state)
    sx, sy = direction_state(dx, state, req.move), direction_state(dy, state, req.move)
    gy, gx = np.meshgrid(ys, xs, indexing="ij")
    metrics, metadata = evaluate_landscape(
        req,
        (params, dx.params, dy.params),
        state,
        None if req.move == "params" else (state, sx, sy),
        np.stack([np.ones(gx.size), gx.ravel(), gy.ravel()], axis=1),
        {
            "kind": "plane",
            "direction": [dx.kind, dy.kind],
            "normalization": [dx.normalization, dy.normalization],
            "ignore_biasbn": [dx.ignore_biasbn, dy.ignore_biasbn],
        },
        desc="plane",
    )
    return LandscapeSurface(
        xs=xs,
        ys=ys,
        metrics={k: v.reshape(len(ys), len(xs)) for k, v in metrics.items()},
        metadata=metadata,
        trajectory=trajectory,
        explained_variance=explained_variance,
    )


def trajectory_plane(
    prob: Problem,
    trajectory: Params | Sequence[Params],
    *,
    resolution: int = DEFAULT_RESOLUTION,
    margin: float = 0.25,
    state: State | None = None,
    ignore_biasbn: bool = False,
    splits: Sequence[str] | None = None,
    batch_size: int = 1024,
    points_per_chunk: int | None = None,
    progress: bool = True,
    factored: bool | None = None,
    label: str | None = None,
) -> LandscapeSurface:
    """The landscape on a trajectory's PCA plane, centred at its last point, trajectory drawn in.

    The grid spans the trajectory's coordinates plus ``margin`` times their range on each side.

    Args:
      prob: the problem.
      trajectory: saved parameters (a pytree with a leading ``[T]`` axis, or a list).
      resolution: points per axis (``resolution x resolution`` grid).
      margin: extra room around the trajectory, as a fraction of its extent.
      state: the state used at every point (``move="params"``).
      ignore_biasbn: see :func:`~jaxscape.landscape.trajectory_pca`.
      splits, batch_size, points_per_chunk, progress, label: as for :func:`line`.

    Returns:
      A :class:`~jaxscape.landscape.LandscapeSurface` with ``trajectory`` ``[T, 2]`` and
      ``explained_variance`` ``[2]``.

    Example:
      >>> import jax, jaxscape as js
      >>> prob = js.Problem.from_model(js.models.LogisticRegression(), js.data.digits())
      >>> traj = [prob.init(jax.random.key(i))[0] for i in range(4)]
      >>> surf = js.landscape.trajectory_plane(prob, traj, resolution=3, progress=False)
      >>> surf.trajectory.shape, surf.metrics["train_loss"].shape
      ((4, 2), (3, 3))
    """
    resolution = check_positive_int("resolution", resolution)
    check_range("margin", margin, low=0.0)
    pca = trajectory_pca(trajectory, ignore_biasbn=ignore_biasbn)
    lo, hi = pca.coordinates.min(axis=0), pca.coordinates.max(axis=0)
    span = np.maximum(hi - lo, 1e-3 * max(float(np.abs(pca.coordinates).max()), 1e-12))
    lo, hi = lo - margin * span, hi + margin * span
    xs = np.linspace(lo[0], hi[0], resolution)
    ys = np.linspace(lo[1], hi[1], resolution)
    return plane(
        prob,
        pca.centre,
        pca.dx,
        pca.dy,
        xs,
        ys,
        state=state,
        trajectory=pca.coordinates,
        explained_variance=pca.explained_variance_ratio,
        splits=splits,
        batch_size=batch_size,
        points_per_chunk=points_per_chunk,
        progress=progress,
        factored=factored,
        label=label,
    )
