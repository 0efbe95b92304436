"""The timing loop waits for the work it times: asynchronous results are not reported as free."""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import optax

from jaxscape.bench import measure, update_throughput


class _Lazy:
    """A result whose work happens only when someone waits for it (like an async dispatch)."""

    waited = 0

    def block_until_ready(self):
        time.sleep(0.05)
        _Lazy.waited += 1
        return self


def test_measure_blocks_on_the_returned_value():
    _Lazy.waited = 0
    t = measure(_Lazy, warmup=1, repeats=3)
    assert _Lazy.waited == 4  # every call's result was waited for (1 warm-up + 3 repeats)
    assert t.minimum >= 0.05  # the wait is inside the timed interval


def _heavy(depth: int = 12, n: int = 384) -> optax.GradientTransformation:
    """An update whose result depends on a chain of ``depth`` n x n matmuls."""

    def update(grads, state, params=None):
        m = jnp.full((n, n), 1.0 / n, jnp.float32)
        x = m
        for _ in range(depth):
            x = jnp.tanh(x @ m + 0.01)
        return jax.tree.map(lambda g: g * (1 + 1e-30 * x[0, 0]), grads), state

    return optax.GradientTransformation(lambda p: optax.EmptyState(), update)


def test_an_expensive_update_is_not_reported_as_free():
    noop = optax.GradientTransformation(lambda p: optax.EmptyState(), lambda g, s, p=None: (g, s))
    res = update_throughput(
        {"noop": noop, "matmul chain": _heavy()},
        [64],
        leaves=1,
        variants=["donated"],
        repeats=3,
        warmup=1,
        progress=False,
    )
    ms = {r.optimizer: r.ms for r in res.rows}
    # 12 matmuls of 384^2 (1.4 GFLOP) against a 64-float copy: orders of magnitude apart
    # unless the timing loop returned before the device finished.
    assert ms["matmul chain"] > 20 * ms["noop"]
