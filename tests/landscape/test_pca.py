"""PCA of a trajectory and projections onto planes recover known coordinates."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

import jaxscape as js


def _plane_trajectory(steps=12, seed=0):
    """theta_t = theta_f + a_t u + b_t v with orthonormal u, v: a curve lying in a plane."""
    rng = np.random.default_rng(seed)
    template = {"dense": {"kernel": np.zeros((4, 3)), "bias": np.zeros(3)}, "out": np.zeros((3, 2))}
    flat, unravel = ravel_pytree(jax.tree.map(jnp.asarray, template))
    n = flat.size
    q, _ = np.linalg.qr(rng.normal(size=(n, 2)))
    u, v = q[:, 0], q[:, 1]
    final = rng.normal(size=n)
    t = np.linspace(0, 1, steps)
    coords = np.stack([3 * (1 - t) ** 2 + 0.2 * np.sin(6 * t), 2 * (1 - t) * np.cos(3 * t)], 1)
    coords -= coords[-1]  # the final point is the plane's centre
    rows = final + coords @ np.stack([u, v])
    traj = [unravel(jnp.asarray(r, jnp.float32)) for r in rows]
    return traj, coords, rows


def test_pca_recovers_in_plane_coordinates_up_to_an_orthogonal_map():
    traj, coords, rows = _plane_trajectory()
    pca = js.landscape.trajectory_pca(traj)
    got = pca.coordinates
    assert got.shape == (12, 2)
    # coordinates are an isometry of the true ones: got = coords @ R with R orthogonal
    r, *_ = np.linalg.lstsq(coords, got, rcond=None)
    np.testing.assert_allclose(coords @ r, got, atol=1e-4)
    np.testing.assert_allclose(r.T @ r, np.eye(2), atol=1e-4)
    np.testing.assert_allclose(got[-1], 0.0, atol=1e-5)
    assert pca.explained_variance_ratio.sum() == pytest.approx(1.0, abs=1e-6)
    assert pca.explained_variance_ratio[0] >= pca.explained_variance_ratio[1]
    assert np.all(got[0] >= 0)  # sign convention: the first point has non-negative coordinates
    # the plane's points reproduce the trajectory exactly
    dx, dy = ravel_pytree(pca.dx.params)[0], ravel_pytree(pca.dy.params)[0]
    recon = rows[-1] + got @ np.stack([np.asarray(dx), np.asarray(dy)])
    np.testing.assert_allclose(recon, rows, atol=1e-4)
    assert float(jnp.vdot(dx, dy)) == pytest.approx(0.0, abs=1e-6)


def test_stacked_pytree_gives_the_same_pca_and_projection_agrees():
    traj, _, _ = _plane_trajectory(steps=8, seed=1)
    stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *traj)
    a, b = js.landscape.trajectory_pca(traj), js.landscape.trajectory_pca(stacked)
    np.testing.assert_allclose(a.coordinates, b.coordinates, atol=1e-5)
    proj = js.landscape.project_trajectory(stacked, a.centre, a.dx, a.dy)
    np.testing.assert_allclose(proj, a.coordinates, atol=1e-4)


def test_projection_onto_a_skewed_plane_is_exact():
    """Non-orthogonal, non-unit directions: least squares recovers the generating coordinates."""
    rng = np.random.default_rng(2)
    dx, dy = {"w": rng.normal(size=5)}, {"w": 0.5 * rng.normal(size=5)}
    dy["w"] = dy["w"] + 0.7 * dx["w"]
    c = {"w": rng.normal(size=5)}
    coords = rng.normal(size=(6, 2))
    traj = [{"w": c["w"] + x * dx["w"] + y * dy["w"]} for x, y in coords]
    np.testing.assert_allclose(js.landscape.project_trajectory(traj, c, dx, dy), coords, atol=1e-5)


def test_trajectory_plane_evaluates_around_the_path(tiny_logreg):
    traj = [tiny_logreg.init(jax.random.key(i))[0] for i in range(4)]
    surf = js.landscape.trajectory_plane(tiny_logreg, traj, resolution=5, progress=False)
    assert surf.metrics["train_loss"].shape == (5, 5)
    assert surf.trajectory.shape == (4, 2) and surf.explained_variance.shape == (2,)
    lo, hi = surf.trajectory.min(0), surf.trajectory.max(0)
    assert surf.xs[0] < lo[0] and surf.xs[-1] > hi[0] and surf.ys[0] < lo[1]
    assert surf.metadata["direction"] == ["pca", "pca"]
