"""Lanczos tridiagonalisation with full reorthogonalisation, for a symmetric ``matvec``.

The Krylov basis lives on the device as a ``[m, n]`` array whose unfilled rows are zero, so one
reorthogonalisation ``w - V^T (V w)`` (done twice, "twice is enough") covers exactly the rows
built so far. The loop runs on the host, one Hessian-vector product per step, and stops early
when the Krylov space is exhausted (``beta`` at rounding level).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

#: ``beta`` below this fraction of the largest ``|alpha| + beta`` seen ends the iteration.
BREAKDOWN = 1e-5


@jax.jit
def _reorthogonalize(basis: jax.Array, w: jax.Array) -> tuple[jax.Array, jax.Array]:
    w = w - basis.T @ (basis @ w)
    w = w - basis.T @ (basis @ w)
    return w, jnp.linalg.norm(w)


@partial(jax.jit, donate_argnums=0)
def _set_row(basis: jax.Array, i: jax.Array, row: jax.Array) -> jax.Array:
    return basis.at[i].set(row)


def lanczos(
    matvec: Callable[[jax.Array], jax.Array], v0: jax.Array, num_iter: int
) -> tuple[np.ndarray, np.ndarray, jax.Array]:
    """Run up to ``num_iter`` Lanczos steps from ``v0``.

    Returns:
      ``(alpha [m], beta [m - 1], basis [m, n])`` with ``m <= num_iter`` the steps taken: the
      tridiagonal matrix ``T`` has diagonal ``alpha`` and off-diagonal ``beta``, and
      ``basis @ A @ basis.T ~= T``.
    """
    n = int(v0.shape[0])
    m = min(num_iter, n)
    v0 = v0.astype(jnp.float32)
    basis = jnp.zeros((m, n), jnp.float32)
    basis = _set_row(basis, jnp.int32(0), v0 / jnp.linalg.norm(v0))
    alphas: list[float] = []
    betas: list[float] = []
    scale = 0.0
    for j in range(m):
        v = basis[j]
        w = matvec(v)
        alpha = float(jnp.vdot(v, w))
        w, beta = _reorthogonalize(basis, w)
        beta = float(beta)
        alphas.append(alpha)
        scale = max(scale, abs(alpha) + beta)
        if j + 1 == m or beta <= BREAKDOWN * scale:
            break
        betas.append(beta)
        basis = _set_row(basis, jnp.int32(j + 1), w / beta)
    k = len(alphas)
    return np.asarray(alphas), np.asarray(betas[: k - 1]), basis[:k]


def tridiagonal_eigh(alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors of the symmetric tridiagonal ``T``."""
    t = np.diag(alpha.astype(np.float64))
    if beta.size:
        off = beta.astype(np.float64)
        t += np.diag(off, 1) + np.diag(off, -1)
    return np.linalg.eigh(t)
