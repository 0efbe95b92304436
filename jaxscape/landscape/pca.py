"""PCA directions of a training trajectory, and projections of trajectories onto planes.

Following Li et al. (``projection.setup_PCA_directions``): the rows of the matrix are
``theta_t - theta_final`` for the saved steps, the rows are mean-centred, and the first two right
singular vectors are the directions. The plane is centred at ``theta_final``, so the final point
projects to ``(0, 0)``. Signs are fixed so that the first saved point has non-negative
coordinates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np
from jax.flatten_util import ravel_pytree

from jaxscape.landscape._tree import as_arrays, check_float_tree, check_same_tree
from jaxscape.landscape.direction import Direction, as_direction

Params = Any


@dataclass(frozen=True)
class TrajectoryPCA:
    """The plane of a trajectory's two principal components.

    Attributes:
      centre: the final parameters (the plane's origin).
      dx, dy: unit-norm, orthogonal :class:`~jaxscape.landscape.Direction` objects
        (``kind="pca"``).
      explained_variance_ratio: ``[2]`` share of the centred trajectory's variance along
        ``dx`` and ``dy``.
      coordinates: ``[T, 2]`` each saved point's coordinates in the plane.
      singular_values: ``[min(T, n)]`` all singular values of the centred matrix.
    """

    centre: Params
    dx: Direction
    dy: Direction
    explained_variance_ratio: np.ndarray
    coordinates: np.ndarray
    singular_values: np.ndarray


def _as_matrix(name: str, trajectory: Any) -> tuple[np.ndarray, Any, Any]:
    """``[T, n]`` float64 matrix of a stacked pytree or a list of pytrees, plus unravel."""
    if isinstance(trajectory, list | tuple):
        if not trajectory:
            raise ValueError(f"{name} is an empty list")
        first = trajectory[0]
        check_float_tree(f"{name}[0]", first)
        for i, p in enumerate(trajectory[1:], start=1):
            check_same_tree(f"{name}[{i}]", p, f"{name}[0]", first)
        _, unravel = ravel_pytree(as_arrays(first))
        rows = [np.asarray(ravel_pytree(as_arrays(p))[0], np.float64) for p in trajectory]
        return np.stack(rows), unravel, first
    check_float_tree(name, trajectory)
    leaves = jax.tree.leaves(trajectory)
    lengths = {int(np.shape(x)[0]) if np.ndim(x) else -1 for x in leaves}
    if len(lengths) != 1 or -1 in lengths:
        raise ValueError(
            f"{name} must be a list of parameter pytrees or a pytree whose leaves share a "
            f"leading [T] axis; leading sizes are {sorted(lengths)}"
        )
    steps = lengths.pop()
    first = jax.tree.map(lambda x: np.asarray(x)[0], trajectory)
    _, unravel = ravel_pytree(as_arrays(first))
    mat = np.concatenate([np.asarray(x, np.float64).reshape(steps, -1) for x in leaves], axis=1)
    return mat, unravel, first


def _biasbn_mask(template: Any) -> np.ndarray:
    """1.0 on entries of leaves with at least two axes, 0.0 on 1-D leaves (flattened)."""
    parts = [np.full(np.size(x), 1.0 if np.ndim(x) > 1 else 0.0) for x in jax.tree.leaves(template)]
    return np.concatenate(parts)


def trajectory_pca(
    trajectory: Params | Sequence[Params],
    *,
    final: Params | None = None,
    ignore_biasbn: bool = False,
) -> TrajectoryPCA:
    """The two principal directions of a training trajectory and its coordinates in their plane.

    Args:
      trajectory: saved parameters, either a pytree whose leaves have a leading ``[T]`` axis
        (as the population engine keeps them) or a list/tuple of ``T`` parameter pytrees
        (a list is always read as such a sequence); ``T >= 3``.
      final: the plane's centre; default the last saved point.
      ignore_biasbn: leave 1-D leaves (biases, norm scales) out of the PCA (their direction
        entries are zero), as Li et al.'s ``--ignore biasbn``.

    Returns:
      A :class:`TrajectoryPCA`; ``coordinates`` is ``[T, 2]``.

    Example:
      >>> import numpy as np
      >>> t = np.linspace(0, 1, 6)[:, None]
      >>> traj = {"w": np.concatenate([t, t**2, 0 * t], axis=1)}   # a curve in a plane
      >>> pca = trajectory_pca(traj)
      >>> pca.coordinates.shape, round(float(pca.explained_variance_ratio.sum()), 6)
      ((6, 2), 1.0)
    """
    if not isinstance(ignore_biasbn, bool):
        raise TypeError(f"ignore_biasbn must be a bool, got {type(ignore_biasbn).__name__}")
    mat, unravel, template = _as_matrix("trajectory", trajectory)
    steps = mat.shape[0]
    if steps < 3:
        raise ValueError(
            f"trajectory needs at least 3 saved points for two directions, got {steps}"
        )
    if not np.all(np.isfinite(mat)):
        raise ValueError("trajectory holds NaN or infinite parameters (a diverged run?)")
    if final is None:
        centre_vec = mat[-1]
        final = unravel(mat[-1].astype(np.float32))
    else:
        check_same_tree("final", final, "trajectory[0]", template)
        centre_vec = np.asarray(ravel_pytree(as_arrays(final))[0], np.float64)
    rows = mat - centre_vec
    if ignore_biasbn:
        rows = rows * _biasbn_mask(template)
    centred = rows - rows.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    comps = vt[:2]
    if comps.shape[0] < 2 or s[0] == 0.0:
        raise ValueError("trajectory does not move: all saved points are equal")
    coords = rows @ comps.T
    signs = np.where(coords[0] < 0, -1.0, 1.0)
    comps, coords = comps * signs[:, None], coords * signs
    var = s**2
    ratio = var[:2] / var.sum()

    def as_dir(v: np.ndarray) -> Direction:
        return Direction(unravel(v.astype(np.float32)), None, "pca", "unit", ignore_biasbn)

    return TrajectoryPCA(
        centre=as_arrays(final),
        dx=as_dir(comps[0]),
        dy=as_dir(comps[1]),
        explained_variance_ratio=ratio,
        coordinates=coords,
        singular_values=s,
    )


def project_trajectory(
    trajectory: Params | Sequence[Params],
    centre: Params,
    dx: Direction | Params,
    dy: Direction | Params,
) -> np.ndarray:
    """Coordinates ``[T, 2]`` of each saved point in the plane ``centre + x dx + y dy``.

    The coordinates are the least-squares solution (the orthogonal projection onto the
    plane), so they are exact for points in the plane and correct for directions that are
    neither unit-norm nor orthogonal (random planes).

    Example:
      >>> import numpy as np
      >>> traj = [{"w": np.array([2.0, 3.0, 0.5])}, {"w": np.array([0.0, 0.0, 0.0])}]
      >>> c = {"w": np.zeros(3)}
      >>> project_trajectory(traj, c, {"w": np.array([2.0, 0, 0])}, {"w": np.array([0, 1.0, 0])})
      array([[1., 3.],
             [0., 0.]])
    """
    mat, _, template = _as_matrix("trajectory", trajectory)
    dx, dy = as_direction(dx), as_direction(dy)
    for name, tree in (("centre", centre), ("dx", dx.params), ("dy", dy.params)):
        check_same_tree(name, tree, "trajectory[0]", template)
    c = np.asarray(ravel_pytree(as_arrays(centre))[0], np.float64)
    basis = np.stack(
        [np.asarray(ravel_pytree(as_arrays(d.params))[0], np.float64) for d in (dx, dy)], axis=1
    )
    gram = basis.T @ basis
    if np.linalg.matrix_rank(gram) < 2:
        raise ValueError("dx and dy must be linearly independent (non-zero, not parallel)")
    rhs = (mat - c) @ basis
    return np.linalg.solve(gram, rhs.T).T
