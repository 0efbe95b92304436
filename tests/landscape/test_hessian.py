"""Hessian eigenpairs, trace and density against the full Hessian (jax.hessian + numpy eigh)."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

import jaxscape as js


def full_hessian(prob, params, state):
    """Reference: the dense Hessian of the mean training loss, all rows in one batch."""
    flat, unravel = ravel_pytree(params)
    x, y = prob.data.train.x, prob.data.train.y
    loss = lambda v: prob.evaluate(unravel(v), state, (x, y))["loss"]
    return np.asarray(jax.hessian(loss)(flat), np.float64), flat


def _flat(direction):
    return np.asarray(ravel_pytree(direction.params)[0], np.float64)


@pytest.fixture(scope="module")
def mlp_at_init(tiny_mlp):
    params, state = tiny_mlp.init(jax.random.key(3))
    h, _ = full_hessian(tiny_mlp, params, state)
    vals, vecs = np.linalg.eigh(h)
    order = np.argsort(-np.abs(vals))
    return params, state, vals[order], vecs[:, order]


@pytest.mark.parametrize("method", ["lanczos", "power"])
def test_top_eigenpairs_match_the_full_hessian(tiny_mlp, mlp_at_init, method):
    params, state, vals, vecs = mlp_at_init
    k = 3
    eig = js.landscape.hessian_eigenpairs(
        tiny_mlp,
        params,
        jax.random.key(0),
        k,
        state=state,
        method=method,
        batch_size=32,
        max_iter=2000 if method == "power" else 100,
        tol=1e-7,
    )
    scale = abs(vals[0])
    np.testing.assert_allclose(eig.values, vals[:k], atol=2e-3 * scale)
    np.testing.assert_allclose(eig.values[0], vals[0], rtol=1e-4)
    for i in range(k):
        v = _flat(eig.vectors[i])
        assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-5)
        assert abs(v @ vecs[:, i]) > 0.99, (method, i)
        assert eig.vectors[i].kind == "hessian_eigenvector"
    assert np.all(eig.residuals < 0.02 * scale)


def test_lanczos_on_a_convex_model_with_a_tiny_batch(tiny_logreg):
    params, state = tiny_logreg.init(jax.random.key(0))
    h, _ = full_hessian(tiny_logreg, params, state)
    vals = np.sort(np.linalg.eigvalsh(h))[::-1]
    eig = js.landscape.hessian_eigenpairs(tiny_logreg, params, jax.random.key(1), 4, batch_size=7)
    np.testing.assert_allclose(eig.values, vals[:4], rtol=1e-3, atol=1e-5)


def test_hutchinson_trace_within_a_few_standard_errors(tiny_mlp, mlp_at_init):
    params, state, vals, _ = mlp_at_init
    h, _ = full_hessian(tiny_mlp, params, state)
    exact = np.trace(h)
    m = 300
    est = js.landscape.hessian_trace(
        tiny_mlp, params, jax.random.key(5), num_samples=m, probes_per_chunk=64
    )
    # closed-form standard error of Rademacher probes: var = 2 (||H||_F^2 - sum H_ii^2)
    sigma = np.sqrt(2 * (np.sum(h**2) - np.sum(np.diag(h) ** 2)) / m)
    assert abs(est.trace - exact) < 4 * sigma
    assert 0.6 * sigma < est.stderr < 1.6 * sigma
    assert est.samples.shape == (m,)
    np.testing.assert_allclose(exact, vals.sum(), rtol=1e-5)


def test_slq_density_integrates_to_one_and_its_mean_is_trace_over_n(tiny_mlp, mlp_at_init):
    params, state, vals, _ = mlp_at_init
    h, flat = full_hessian(tiny_mlp, params, state)
    n = flat.size
    runs = 12
    dens = js.landscape.hessian_density(
        tiny_mlp, params, jax.random.key(2), num_iter=n, num_runs=runs
    )
    dx = dens.grid[1] - dens.grid[0]
    assert np.sum(dens.density) * dx == pytest.approx(1.0, abs=1e-4)
    np.testing.assert_allclose(dens.weights.sum(axis=1), 1.0, rtol=1e-4)
    # mean of v^T H v / n over Rademacher runs: within a few closed-form standard errors
    sigma = np.sqrt(2 * (np.sum(h**2) - np.sum(np.diag(h) ** 2)) / runs) / n
    assert abs(dens.mean - np.trace(h) / n) < 4 * sigma
    # a full Krylov space recovers the extreme eigenvalues as nodes
    finite = dens.nodes[np.isfinite(dens.nodes)]
    assert finite.max() == pytest.approx(vals.max(), rel=1e-3)
    assert finite.min() == pytest.approx(np.min(vals), abs=1e-3 * abs(vals).max())
