"""How many landscape points one compiled call evaluates at once.

A chunk of ``C`` points holds, per point, its own copy of the parameters (and of the state when
it moves) plus the activations of one data batch. The activation bytes are read from the
jaxpr of a one-point, one-batch evaluation (the sum of every intermediate's size, an upper
bound on what is live at once), so nothing is compiled to size the chunk.

On an accelerator a chunk may use a fraction of the free memory. On a CPU a fixed budget of a
few hundred megabytes is enough: past a few dozen points per chunk a CPU gains nothing more
(measured on an MLP 784-128-10 line: 8 points per chunk 2.3 s, 32 to 256 points 1.6-1.8 s).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import numpy as np

from jaxscape.population.memory import device_free_bytes

#: Working-set budget of one chunk on a CPU, in bytes.
CPU_CHUNK_BYTES = 256 * 2**20
#: Fraction of an accelerator's free memory one chunk may use.
DEVICE_FRACTION = 0.4
#: Largest chunk whatever the memory (a compiled call this wide gains nothing more).
MAX_POINTS_PER_CHUNK = 4096


def _aval_bytes(aval: Any) -> int:
    shape = getattr(aval, "shape", None)
    dtype = getattr(aval, "dtype", None)
    if shape is None or dtype is None:
        return 0
    try:
        itemsize = np.dtype(dtype).itemsize
    except TypeError:  # PRNG key dtypes
        itemsize = 8
    return int(math.prod(shape)) * itemsize


def _sub_jaxprs(value: Any):
    if hasattr(value, "jaxpr") and hasattr(value, "consts"):  # ClosedJaxpr
        yield value.jaxpr
    elif hasattr(value, "eqns"):  # Jaxpr
        yield value
    elif isinstance(value, tuple | list):
        for v in value:
            yield from _sub_jaxprs(v)


def jaxpr_bytes(jaxpr: Any) -> int:
    """Sum of the sizes of every intermediate value of ``jaxpr`` (sub-jaxprs included)."""
    total = 0
    for eqn in jaxpr.eqns:
        total += sum(_aval_bytes(v.aval) for v in eqn.outvars)
        for value in eqn.params.values():
            for sub in _sub_jaxprs(value):
                total += jaxpr_bytes(sub)
    return total


def tree_bytes(tree: Any) -> int:
    return int(sum(_aval_bytes(x) for x in jax.tree.leaves(tree)))


def bytes_per_point(evaluate: Any, params: Any, state: Any, batch: Any, state_moves: bool) -> int:
    """Estimated device bytes one more point of a chunk needs (see module docstring).

    The activation part is the difference between the jaxprs of a two-point and a one-point
    ``vmap`` of one batch's evaluation: intermediates that do not depend on the point (the
    reshaped input batch, for instance) are shared by the whole chunk and cancel out.
    """

    def traced(count: int) -> int:
        stack = lambda tree: jax.tree.map(
            lambda x: jax.ShapeDtypeStruct((count, *np.shape(x)), x.dtype), tree
        )
        axes = (0, 0 if state_moves else None, None)
        fn = jax.vmap(evaluate, in_axes=axes)
        st = stack(state) if state_moves else state
        return jaxpr_bytes(jax.make_jaxpr(fn)(stack(params), st, batch).jaxpr)

    activations = max(0, traced(2) - traced(1))
    own = tree_bytes(params) + (tree_bytes(state) if state_moves else 0)
    return max(1, activations + 2 * own)


def budget_bytes(device: jax.Device | None = None) -> int:
    """Bytes a chunk may use on ``device`` (the default device when ``None``)."""
    device = device or jax.devices()[0]
    if device.platform == "cpu":
        return CPU_CHUNK_BYTES
    free = device_free_bytes(device)
    return int(DEVICE_FRACTION * free) if free else 2 * 2**30


def plan_chunks(num_points: int, per_point: int, cap: int | None) -> tuple[int, int]:
    """``(points_per_chunk, num_chunks)``: balanced chunks, the last one padded to size.

    ``cap`` (the user's ``points_per_chunk``) overrides the memory estimate.
    """
    size = cap if cap is not None else max(1, budget_bytes() // per_point)
    size = max(1, min(size, num_points, MAX_POINTS_PER_CHUNK if cap is None else size))
    chunks = -(-num_points // size)
    size = -(-num_points // chunks)  # balance: the padding is less than one point per chunk
    return size, chunks


def abstract_batch(x: Any, y: Any, batch_size: int) -> Any:
    """Shape-only stand-in for one data batch of a split (``None`` for full-batch problems)."""
    if x is None:
        return None
    b = min(batch_size, int(x.shape[0]))
    return (
        jax.ShapeDtypeStruct((b, *x.shape[1:]), x.dtype),
        jax.ShapeDtypeStruct((b, *y.shape[1:]), y.dtype),
    )
