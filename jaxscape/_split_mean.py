"""Exact means over a whole data split of any per-batch function, in data batches."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp


def split_mean(fn: Any, x: jax.Array | None, y: jax.Array | None, batch_size: int) -> Any:
    """Mean over all rows of ``(x, y)`` of ``fn(batch)`` (a pytree of batch means), exactly.

    Full batches are scanned, a remainder batch is added, each weighted by its size; for a
    full-batch problem (``x is None``) this is ``fn(None)``.
    """
    if x is None:
        return fn(None)
    n = int(x.shape[0])
    b = min(batch_size, n)
    full, rem = divmod(n, b)
    xs = x[: full * b].reshape(full, b, *x.shape[1:])
    ys = y[: full * b].reshape(full, b, *y.shape[1:])
    shapes = jax.eval_shape(fn, (xs[0], ys[0]))
    zeros = jax.tree.map(lambda s: jnp.zeros(s.shape, jnp.float32), shapes)

    def body(total, batch):
        out = fn(batch)
        return jax.tree.map(lambda t, o: t + o.astype(jnp.float32) * b, total, out), None

    total, _ = jax.lax.scan(body, zeros, (xs, ys))
    if rem:
        last = fn((x[full * b :], y[full * b :]))
        total = jax.tree.map(lambda t, o: t + o.astype(jnp.float32) * rem, total, last)
    return jax.tree.map(lambda t: t / n, total)
