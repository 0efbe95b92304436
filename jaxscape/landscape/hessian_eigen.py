"""Dominant Hessian eigenpairs: power iteration with deflation, or Lanczos.

Both work on exact Hessian-vector products over a whole data split (``jax.jvp`` of
``jax.grad``, accumulated over data batches), never one mini-batch. Both return the ``k``
eigenvalues of largest *magnitude* (as PyHessian's power iteration does) with their unit-norm
eigenvectors, ordered by decreasing magnitude. Near a minimum these are the largest positive
curvatures; at initialisation a negative one can appear among them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxscape._checks import check_choice, check_positive_int, check_range
from jaxscape.landscape._hvp import HessianOperator
from jaxscape.landscape._lanczos import lanczos, tridiagonal_eigh
from jaxscape.landscape._validate import (
    check_key,
    check_params,
    check_problem,
    resolve_splits,
    resolve_state,
)
from jaxscape.landscape.direction import Direction
from jaxscape.problem import Problem

METHODS = ("lanczos", "power")

Params = Any
State = Any


@dataclass(frozen=True)
class HessianEigen:
    """Dominant eigenpairs of the Hessian of the mean loss over a split.

    Attributes:
      values: ``[k]`` eigenvalues, by decreasing magnitude.
      vectors: ``k`` unit-norm eigenvectors as :class:`~jaxscape.landscape.Direction` objects
        (``kind="hessian_eigenvector"``), usable directly as landscape directions.
      method: ``"lanczos"`` or ``"power"``.
      matvecs: Hessian-vector products spent.
      residuals: ``[k]`` ``||H v - lambda v||`` of each pair (a convergence check).
    """

    values: np.ndarray
    vectors: list[Direction]
    method: str
    matvecs: int
    residuals: np.ndarray = field(default_factory=lambda: np.zeros(0))


def check_hessian_args(
    prob: Any, params: Any, state: Any, split: str, batch_size: int
) -> tuple[Problem, Any, Any]:
    prob = check_problem(prob)
    params = check_params(prob, "params", params)
    state = resolve_state(prob, "state", state)
    check_choice("split", split, ("train", "test"))
    resolve_splits(prob, (split,))
    check_positive_int("batch_size", batch_size)
    return prob, params, state


def _power(op: HessianOperator, key: jax.Array, k: int, max_iter: int, tol: float):
    found: list[jax.Array] = []
    values: list[float] = []
    for i in range(k):
        v = jax.random.normal(jax.random.fold_in(key, i), (op.size,), jnp.float32)
        v = v / jnp.linalg.norm(v)
        value = None
        for _ in range(max_iter):
            for u in found:  # deflation: stay orthogonal to the pairs already found
                v = v - jnp.vdot(u, v) * u
            v = v / jnp.linalg.norm(v)
            hv = op.matvec(v)
            new = float(jnp.vdot(v, hv))
            norm = jnp.linalg.norm(hv)
            if float(norm) == 0.0:
                value = 0.0
                break
            v = hv / norm * (1.0 if new >= 0 else -1.0)
            if value is not None and abs(new - value) / (abs(value) + 1e-6) < tol:
                value = new
                break
            value = new
        for u in found:
            v = v - jnp.vdot(u, v) * u
        found.append(v / jnp.linalg.norm(v))
        values.append(float(value))
    return np.asarray(values), found


def _lanczos(op: HessianOperator, key: jax.Array, k: int, max_iter: int):
    v0 = jax.random.normal(key, (op.size,), jnp.float32)
    alpha, beta, basis = lanczos(op.matvec, v0, max(max_iter, k))
    theta, s = tridiagonal_eigh(alpha, beta)
    order = np.argsort(-np.abs(theta), kind="stable")[:k]
    ritz = jnp.asarray(s[:, order].T, jnp.float32) @ basis
    vectors = [r / jnp.linalg.norm(r) for r in ritz]
    return theta[order], vectors


def hessian_eigenpairs(
    prob: Problem,
    params: Params,
    key: jax.Array,
    k: int = 1,
    *,
    method: str = "lanczos",
    state: State | None = None,
    split: str = "train",
    batch_size: int = 1024,
    max_iter: int = 100,
    tol: float = 1e-3,
) -> HessianEigen:
    """The ``k`` dominant eigenvalues and eigenvectors of the loss Hessian at ``params``.

    Args:
      prob: the problem; the Hessian is that of its evaluation-mode mean loss over ``split``
        with respect to the parameters (the state is held fixed).
      params: where to take the Hessian.
      key: PRNG key of the random start vector(s).
      k: number of eigenpairs (at most the number of parameters).
      method: ``"lanczos"`` (default; ``max_iter`` steps with full reorthogonalisation, one
        Hessian-vector product each, all pairs at once) or ``"power"`` (power iteration with
        deflation, PyHessian's method; up to ``max_iter`` products per pair, stopping when the
        eigenvalue changes by less than ``tol`` relatively).
      state: model state (batch statistics) that goes with ``params``.
      split: ``"train"`` (default) or ``"test"``.
      batch_size: data batch size of the products (results do not depend on it).
      max_iter: Lanczos steps, or power iterations per pair.
      tol: relative tolerance of power iteration.

    Returns:
      A :class:`HessianEigen`; ``vectors[i]`` is a unit-norm parameter-shaped direction.

    Example:
      >>> import jax, jaxscape as js
      >>> prob = js.Problem.from_model(js.models.LogisticRegression(), js.data.digits())
      >>> params, _ = prob.init(jax.random.key(0))
      >>> eig = js.landscape.hessian_eigenpairs(prob, params, jax.random.key(1), k=2)
      >>> eig.values.shape, len(eig.vectors)
      ((2,), 2)
    """
    prob, params, state = check_hessian_args(prob, params, state, split, batch_size)
    key = check_key("key", key)
    k = check_positive_int("k", k)
    check_choice("method", method, METHODS)
    max_iter = check_positive_int("max_iter", max_iter)
    check_range("tol", tol, low=0.0, low_open=True)
    op = HessianOperator(prob, params, state, split, batch_size)
    if k > op.size:
        raise ValueError(f"k must be at most the number of parameters ({op.size}), got {k}")
    if method == "power":
        values, vectors = _power(op, key, k, max_iter, tol)
    else:
        values, vectors = _lanczos(op, key, k, max_iter)
    calls = op.calls
    products = op.matmat(jnp.stack(vectors))
    residuals = np.asarray(
        jnp.linalg.norm(
            products - jnp.asarray(values, jnp.float32)[:, None] * jnp.stack(vectors), axis=1
        )
    )
    directions = [
        Direction(op.unravel(v), None, "hessian_eigenvector", "unit", False) for v in vectors
    ]
    return HessianEigen(
        values=np.asarray(values, np.float64),
        vectors=directions,
        method=method,
        matvecs=calls,
        residuals=residuals,
    )
