"""Batch size as a hyperparameter: trials of one population with different mini-batch sizes.

A ``batch_size`` column of the table gives each trial its own batch size ``b``. The compiled
step reads batches of one width, ``B_max`` (the largest ``b``), so a trial with ``b < B_max``
reads its own ``b`` rows padded to ``B_max`` with ``-1`` and trains on the masked mean

    ``loss = sum_i w_i l_i / sum_i w_i``,  ``w_i = 1`` for a real row, ``0`` for padding.

Its rows at step ``t`` are exactly those of a run with batch size ``b`` alone:
``batch_indices(seed, n, b, t, 1)``, the ``b``-row slices of the seed's epoch orders (not the
first ``b`` rows of the ``B_max``-row batch, which would visit the data in another order).
Trials are grouped into *slots*, one per distinct ``(seed, b)``; each slot's index table is
built on the host, like every batch table (``docs/design-notes.md``). So a masked trial
reproduces a separate run to float rounding (the sums run over ``B_max`` rows, zeros
included), and it costs what a ``B_max`` trial costs.

What masking cannot reproduce: batch statistics (``BatchNorm``), which would see the padded
rows (such problems are refused, see ``Problem.no_weights``), and dropout masks, which are
drawn for ``B_max`` rows, so a trial with dropout is a valid run of batch ``b`` but not the
same draw as a separate one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxscape.data import batch_indices

#: The name of the table column that sets each trial's batch size.
BATCH_SIZE = "batch_size"


def check_batch_column(column: Any, n: int) -> np.ndarray:
    """``[n]`` int64 batch sizes from ``table['batch_size']``: integers ``>= 1``.

    >>> check_batch_column([8, 32.0], 2).tolist()
    [8, 32]
    """
    arr = np.broadcast_to(np.asarray(column), (n,))
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"table['batch_size'] must be integers, got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
        i = int(np.argmax(~np.isfinite(arr) | (arr != np.round(arr))))
        raise ValueError(f"table['batch_size'] must be integers; trial {i} has {arr[i]}")
    if np.any(arr < 1):
        i = int(np.argmax(arr < 1))
        raise ValueError(f"table['batch_size'] must be >= 1; trial {i} has {arr[i]}")
    return arr.astype(np.int64)


def resolve_batch_size(sizes: np.ndarray, batch_size: int | None, n_train: int | None) -> int:
    """The rows drawn per step, ``B_max = max(sizes)``, after checking ``sizes`` against the
    sweep's ``batch_size`` (an upper bound, ``>= B_max``) and the ``n_train`` training rows."""
    b_max = int(sizes.max())
    if n_train is None:
        raise ValueError("table['batch_size'] needs a problem with data (this one is full-batch)")
    if b_max > n_train:
        i = int(np.argmax(sizes > n_train))
        raise ValueError(
            f"table['batch_size'] must be <= the {n_train} training examples; "
            f"trial {i} has {sizes[i]}"
        )
    if batch_size is None or batch_size < b_max:
        raise ValueError(
            f"batch_size ({batch_size}) must be >= the largest table['batch_size'] ({b_max}): "
            f"the population reads batches of {b_max} rows and masks each trial's to its own; "
            f"pass batch_size={b_max}"
        )
    return b_max


def slot_keys(seeds: np.ndarray, sizes: np.ndarray | None) -> list[tuple[int, int]]:
    """``(seed, batch size)`` of each trial (batch size ``0``: the population's own)."""
    b = [0] * len(seeds) if sizes is None else sizes.tolist()
    return list(zip(np.asarray(seeds).tolist(), b, strict=True))


def slot_rows(seed: int, n: int, b_max: int, b: int, start: int, count: int) -> np.ndarray:
    """``[count, b_max]`` int32 rows of steps ``start ... start + count - 1`` of a run with
    batch size ``b`` (``0``: ``b_max``), padded with ``-1`` (masked) to ``b_max`` columns.

    >>> slot_rows(0, 10, 4, 2, 0, 1)[0, 2:].tolist()
    [-1, -1]
    """
    if b in (0, b_max):
        return batch_indices(seed, n, b_max, start, count)
    out = np.full((count, b_max), -1, np.int32)
    out[:, :b] = batch_indices(seed, n, b, start, count)
    return out


def gather_masked(x: jax.Array, y: jax.Array, idx: jax.Array) -> tuple[jax.Array, ...]:
    """``(x[idx], y[idx], w)`` with ``w = [idx >= 0]`` (float32); padded rows read row 0."""
    safe = jnp.maximum(idx, 0)
    return jnp.take(x, safe, axis=0), jnp.take(y, safe, axis=0), (idx >= 0).astype(jnp.float32)


def masked_objective(prob: Any) -> Callable[..., Any]:
    """``objective(params, state, (x, y, w))`` of ``prob``: the masked mean of its losses.

    Raises ``ValueError`` when the problem cannot weight examples (see ``Problem.no_weights``).
    """
    weighted = prob.require_weights("table['batch_size'] (a batch size per trial)")

    def objective(params, state, batch):
        x, y, w = batch
        return weighted(params, state, (x, y), w)

    return objective
