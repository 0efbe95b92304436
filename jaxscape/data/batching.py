"""``batch_indices``: which training rows each optimizer step of a run uses (host-side NumPy).

The sweep engine calls it between compiled chunks and feeds the ``[count, batch_size]`` table
into ``lax.scan``, where each step gathers ``x[idx]``. The rule depends only on
``(seed, n, batch_size, step)``, so a run is reproducible whatever the chunking.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from jaxscape._checks import check_positive_int

_INT32_MAX = int(np.iinfo(np.int32).max)


def batch_indices(seed: int, n: int, batch_size: int, start: int, count: int) -> np.ndarray:
    """Mini-batch row indices for steps ``start, ..., start + count - 1`` of one run.

    Rule: with ``B = batch_size`` and ``spe = n // B`` steps per epoch (the last ``n % B`` rows
    of each epoch's order are dropped), step ``t`` belongs to epoch ``e = t // spe``. Epoch
    ``e`` visits the rows in the order ``np.random.default_rng([seed, e]).permutation(n)``, and
    step ``t`` takes positions ``[(t % spe) * B, (t % spe + 1) * B)`` of that order. So every
    epoch sees each row at most once, different seeds and epochs get independent orders, and
    concatenating calls over consecutive step ranges equals one call over the whole range. The
    last few epochs' permutations are kept (a run asks for the same epoch once per call and
    chunk; on a million rows a permutation takes tens of milliseconds).

    Args:
      seed: non-negative integer seed of the run (trials sharing a seed share batches).
      n: number of training rows, ``1 <= n < 2**31``.
      batch_size: rows per step, ``1 <= batch_size <= n``.
      start: first step (>= 0).
      count: number of steps (>= 0).

    Returns:
      int32 array ``[count, batch_size]`` of row indices in ``[0, n)``.

    Example:
      >>> idx = batch_indices(seed=0, n=10, batch_size=4, start=0, count=3)
      >>> idx.shape, idx.dtype
      ((3, 4), dtype('int32'))
      >>> len(set(idx[:2].ravel().tolist()))  # steps 0 and 1 form epoch 0: no repeats
      8
      >>> bool((batch_indices(0, 10, 4, 1, 2) == idx[1:]).all())  # chunking does not matter
      True
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    n = check_positive_int("n", n)
    if n > _INT32_MAX:
        raise ValueError(f"n must be < 2**31 for int32 indices, got {n}")
    batch_size = check_positive_int("batch_size", batch_size)
    if batch_size > n:
        raise ValueError(f"batch_size ({batch_size}) must not exceed n, the {n} training rows")
    start = check_positive_int("start", start, allow_zero=True)
    count = check_positive_int("count", count, allow_zero=True)

    spe = n // batch_size
    out = np.empty((count, batch_size), np.int32)
    if count == 0:
        return out
    stop = start + count
    for epoch in range(start // spe, (stop - 1) // spe + 1):
        lo, hi = max(start, epoch * spe), min(stop, (epoch + 1) * spe)
        order = _epoch_order(int(seed), epoch, n)
        rows = order[: spe * batch_size].reshape(spe, batch_size)
        out[lo - start : hi - start] = rows[lo - epoch * spe : hi - epoch * spe]
    return out


@functools.lru_cache(maxsize=8)
def _epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """The row order of ``epoch`` (read-only: it is shared by every later call)."""
    order = np.random.default_rng([seed, epoch]).permutation(n)
    order.flags.writeable = False
    return order
