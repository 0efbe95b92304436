"""The Hessian eigenvalue density by stochastic Lanczos quadrature (Ghorbani et al. 2019).

For a random unit vector ``v``, ``m`` Lanczos steps give a tridiagonal ``T`` with eigenvalues
``theta_i`` (the quadrature nodes) and eigenvectors ``s_i``; the weights ``w_i = s_i[0]^2`` sum
to one, and ``sum_i w_i f(theta_i) ~= v^T f(H) v``. Averaging over runs and smoothing each node
with a Gaussian gives an estimate of the spectral density ``(1/n) sum_j delta(t - lambda_j)``.
As in PyHessian, probes are Rademacher vectors and the Gaussian variance is
``1e-5 * max(1, lambda_max - lambda_min)`` by default. The density is *not* renormalised on
its grid: it integrates to one because the weights do and the grid covers every Gaussian.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxscape._checks import check_positive_int, check_range
from jaxscape.landscape._hvp import HessianOperator
from jaxscape.landscape._lanczos import lanczos, tridiagonal_eigh
from jaxscape.landscape._validate import check_key
from jaxscape.landscape.hessian_eigen import check_hessian_args
from jaxscape.problem import Problem

Params = Any
State = Any


@dataclass(frozen=True)
class HessianDensity:
    """A smoothed Hessian eigenvalue density.

    Attributes:
      grid: ``[G]`` eigenvalue grid (uniform).
      density: ``[G]`` density on the grid (integrates to one).
      nodes: ``[R, m]`` quadrature nodes of each run (Ritz values; NaN-padded if a run
        stopped early because its Krylov space was exhausted).
      weights: ``[R, m]`` quadrature weights (each row sums to one; zero padding).
      sigma: the Gaussian's standard deviation.
    """

    grid: np.ndarray
    density: np.ndarray
    nodes: np.ndarray
    weights: np.ndarray
    sigma: float

    @property
    def mean(self) -> float:
        """Mean eigenvalue of the density, an estimate of ``tr(H) / n``."""
        dx = self.grid[1] - self.grid[0]
        return float(np.sum(self.grid * self.density) * dx)


def smooth_density(
    nodes: np.ndarray, weights: np.ndarray, sigma: float | None, num_bins: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Gaussian-smoothed density of weighted nodes, averaged over runs.

    Returns:
      ``(grid, density, sigma)``.
    """
    finite = nodes[np.isfinite(nodes)]
    lo, hi = float(finite.min()), float(finite.max())
    if sigma is None:
        sigma = float(np.sqrt(1e-5 * max(1.0, hi - lo)))
    pad = 0.01 + 6.0 * sigma
    grid = np.linspace(lo - pad, hi + pad, num_bins)
    runs = nodes.shape[0]
    density = np.zeros(num_bins)
    norm = 1.0 / (np.sqrt(2.0 * np.pi) * sigma)
    for r in range(runs):
        ok = np.isfinite(nodes[r])
        z = (grid[:, None] - nodes[r][ok][None, :]) / sigma
        density += norm * np.exp(-0.5 * z**2) @ weights[r][ok]
    return grid, density / runs, sigma


def hessian_density(
    prob: Problem,
    params: Params,
    key: jax.Array,
    *,
    num_iter: int = 100,
    num_runs: int = 1,
    sigma: float | None = None,
    num_bins: int = 10_000,
    state: State | None = None,
    split: str = "train",
    batch_size: int = 1024,
) -> HessianDensity:
    """Estimate the eigenvalue density of the loss Hessian at ``params`` (SLQ).

    Args:
      prob, params, state, split, batch_size: as for :func:`hessian_eigenpairs`.
      key: PRNG key of the probes.
      num_iter: Lanczos steps per run (PyHessian: 100); capped at the number of parameters.
      num_runs: independent probes averaged (PyHessian: 1).
      sigma: standard deviation of the smoothing Gaussian; default
        ``sqrt(1e-5 * max(1, lambda_max - lambda_min))``.
      num_bins: grid points.

    Returns:
      A :class:`HessianDensity`; ``density.mean`` estimates ``tr(H) / n``.

    Example:
      >>> import jax, jaxscape as js
      >>> prob = js.Problem.from_model(js.models.LogisticRegression(), js.data.digits())
      >>> params, _ = prob.init(jax.random.key(0))
      >>> dens = js.landscape.hessian_density(prob, params, jax.random.key(1), num_iter=20)
      >>> dens.grid.shape, dens.nodes.shape
      ((10000,), (1, 20))
    """
    prob, params, state = check_hessian_args(prob, params, state, split, batch_size)
    key = check_key("key", key)
    num_iter = check_positive_int("num_iter", num_iter)
    num_runs = check_positive_int("num_runs", num_runs)
    num_bins = check_positive_int("num_bins", num_bins)
    if num_bins < 2:
        raise ValueError(f"num_bins must be >= 2, got {num_bins}")
    if sigma is not None:
        check_range("sigma", sigma, low=0.0, low_open=True)
    op = HessianOperator(prob, params, state, split, batch_size)
    m = min(num_iter, op.size)
    nodes = np.full((num_runs, m), np.nan)
    weights = np.zeros((num_runs, m))
    for r in range(num_runs):
        v0 = jax.random.rademacher(jax.random.fold_in(key, r), (op.size,), jnp.float32)
        alpha, beta, _ = lanczos(op.matvec, v0, m)
        theta, s = tridiagonal_eigh(alpha, beta)
        nodes[r, : theta.size] = theta
        weights[r, : theta.size] = s[0] ** 2
    grid, density, sigma = smooth_density(nodes, weights, sigma, num_bins)
    return HessianDensity(grid=grid, density=density, nodes=nodes, weights=weights, sigma=sigma)
