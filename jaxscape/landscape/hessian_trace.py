"""Hutchinson's estimate of the Hessian trace, with its standard error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxscape._checks import check_positive_int
from jaxscape.landscape._hvp import HessianOperator
from jaxscape.landscape._validate import check_key
from jaxscape.landscape.hessian_eigen import check_hessian_args
from jaxscape.problem import Problem

Params = Any
State = Any


@dataclass(frozen=True)
class HessianTrace:
    """Hutchinson's trace estimate.

    Attributes:
      trace: the estimate, the mean of ``v^T H v`` over Rademacher probes ``v``.
      stderr: its standard error, ``std(samples, ddof=1) / sqrt(num_samples)``.
      samples: ``[num_samples]`` the individual ``v^T H v``.
    """

    trace: float
    stderr: float
    samples: np.ndarray


def hessian_trace(
    prob: Problem,
    params: Params,
    key: jax.Array,
    *,
    num_samples: int = 100,
    probes_per_chunk: int = 16,
    state: State | None = None,
    split: str = "train",
    batch_size: int = 1024,
) -> HessianTrace:
    """Estimate ``tr(H)`` of the loss Hessian at ``params`` (Hutchinson, Rademacher probes).

    Each probe ``v`` has independent ``+-1`` entries, so ``E[v^T H v] = tr(H)`` and the
    variance of one sample is ``2 (||H||_F^2 - sum_i H_ii^2)``. Products are exact over the
    whole split (see :func:`hessian_eigenpairs`); ``probes_per_chunk`` probes share each data
    batch.

    Args:
      prob, params, state, split, batch_size: as for :func:`hessian_eigenpairs`.
      key: PRNG key of the probes.
      num_samples: number of probes (at least 2, for the standard error).
      probes_per_chunk: probes evaluated together in one compiled call.

    Returns:
      A :class:`HessianTrace` (``trace``, ``stderr``, ``samples`` ``[num_samples]``).

    Example:
      >>> import jax, jaxscape as js
      >>> prob = js.Problem.from_model(js.models.LogisticRegression(), js.data.digits())
      >>> params, _ = prob.init(jax.random.key(0))
      >>> est = js.landscape.hessian_trace(prob, params, jax.random.key(1), num_samples=8)
      >>> est.trace > 0, est.samples.shape
      (True, (8,))
    """
    prob, params, state = check_hessian_args(prob, params, state, split, batch_size)
    key = check_key("key", key)
    num_samples = check_positive_int("num_samples", num_samples)
    if num_samples < 2:
        raise ValueError(f"num_samples must be >= 2 for a standard error, got {num_samples}")
    probes_per_chunk = check_positive_int("probes_per_chunk", probes_per_chunk)
    op = HessianOperator(prob, params, state, split, batch_size)
    size = min(probes_per_chunk, num_samples)
    chunks = -(-num_samples // size)
    samples = []
    for i in range(chunks):
        probes = jax.random.rademacher(jax.random.fold_in(key, i), (size, op.size), jnp.float32)
        samples.append(np.asarray(jnp.sum(probes * op.matmat(probes), axis=1), np.float64))
    values = np.concatenate(samples)[:num_samples]
    return HessianTrace(
        trace=float(values.mean()),
        stderr=float(values.std(ddof=1) / np.sqrt(num_samples)),
        samples=values,
    )
