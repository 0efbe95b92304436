"""Hessian-vector products of the mean loss over a whole split, on flat parameter vectors.

``H v`` is ``jax.jvp`` of ``jax.grad`` (forward-over-reverse) of the evaluation-mode loss,
summed over the split's data batches weighted by their sizes, so it is the exact product with
the Hessian of the mean loss over every row of the split, whatever the batch size. The state
(batch statistics) is held fixed: the Hessian is with respect to the parameters.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
from jax.flatten_util import ravel_pytree

from jaxscape._hvp import batch_hvp
from jaxscape._split_mean import split_mean
from jaxscape.landscape._validate import split_arrays
from jaxscape.problem import Problem


@partial(jax.jit, static_argnames=("prob", "batch_size"))
def hvp_flat(
    prob: Problem,
    params: Any,
    state: Any,
    vectors: jax.Array,
    x: jax.Array | None,
    y: jax.Array | None,
    batch_size: int,
) -> jax.Array:
    """``[m, n]`` Hessian-vector products of the ``[m, n]`` flat ``vectors``.

    All ``m`` products share each data batch (``vmap`` over vectors inside the batch scan).
    """
    _, unravel = ravel_pytree(params)

    def per_batch(batch):
        def one(v):
            return ravel_pytree(batch_hvp(prob, params, state, unravel(v), batch))[0]

        return jax.vmap(one)(vectors)

    return split_mean(per_batch, x, y, batch_size)


class HessianOperator:
    """``v -> H v`` for the Hessian of the mean loss over one split (see module docstring).

    Attributes:
      size: number of parameters ``n``.
      unravel: flat ``[n]`` vector back to a parameter pytree.
    """

    def __init__(self, prob: Problem, params: Any, state: Any, split: str, batch_size: int):
        self.prob, self.params, self.state, self.batch_size = prob, params, state, batch_size
        ((self.x, self.y),) = split_arrays(prob, (split,))
        flat, self.unravel = ravel_pytree(params)
        self.size = int(flat.shape[0])
        self.calls = 0

    def matmat(self, vectors: jax.Array) -> jax.Array:
        """``[m, n] -> [m, n]`` products."""
        self.calls += int(vectors.shape[0])
        return hvp_flat(
            self.prob, self.params, self.state, vectors, self.x, self.y, self.batch_size
        )

    def matvec(self, v: jax.Array) -> jax.Array:
        """``[n] -> [n]`` product."""
        return self.matmat(v[None])[0]
