"""Exact metrics over a whole data split, computed in data batches inside one traced function."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from jaxscape.problem import Problem

Params = Any
State = Any


def evaluate_split(
    prob: Problem,
    params: Params,
    state: State,
    x: jax.Array | None,
    y: jax.Array | None,
    batch_size: int = 1024,
) -> dict[str, jax.Array]:
    """Mean of every metric of ``prob`` over all ``n`` rows of ``(x, y)``, exactly.

    The split is cut into ``n // batch_size`` full batches, scanned with ``lax.scan``, plus one
    remainder batch; each batch mean is weighted by its size, so the result is the mean over all
    rows whatever ``batch_size`` is (for losses that are means over examples). Pass the data as
    arguments of the jitted caller rather than closing over it, so it never becomes a
    compile-time constant. Vmap over ``params``/``state`` to evaluate many points or trials at
    once: every data batch is then shared by all of them.

    For a full-batch problem (no data) ``x`` and ``y`` are ``None`` and this is
    ``prob.evaluate(params, state, None)``.

    Parameters (or model state) with a non-finite entry give NaN for every metric: a diverged
    network's accuracy is undefined, not the share of class 0 that ``argmax`` of NaN logits
    would report, so no comparison can prefer it.

    Returns:
      ``{metric: scalar}`` for ``prob.metric_names``.

    Example:
      >>> import jax, jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_model(js.models.LogisticRegression(), js.data.digits())
      >>> params, state = prob.init(jax.random.key(0))
      >>> bad = jax.tree.map(lambda a: a.at[(0,) * a.ndim].set(jnp.nan), params)
      >>> test = prob.data.test
      >>> {k: float(v) for k, v in evaluate_split(prob, bad, state, test.x, test.y).items()}
      {'accuracy': nan, 'loss': nan}
    """
    finite = all_finite((params, state))
    return jax.tree.map(
        lambda v: jnp.where(finite, v, jnp.nan), _evaluate(prob, params, state, x, y, batch_size)
    )


def all_finite(tree: Any) -> jax.Array:
    """True when every floating-point leaf of ``tree`` is finite everywhere (a scalar bool).

    Example:
      >>> import jax.numpy as jnp
      >>> bool(all_finite({"w": jnp.ones(3), "n": jnp.int32(2)})), bool(all_finite(jnp.nan))
      (True, False)
    """
    leaves = [
        jnp.all(jnp.isfinite(leaf))
        for leaf in jax.tree.leaves(tree)
        if jnp.issubdtype(jnp.asarray(leaf).dtype, jnp.inexact)
    ]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.bool_(True)


def _evaluate(prob, params, state, x, y, batch_size):
    if prob.data is None or x is None:
        return prob.evaluate(params, state, None)
    n = int(x.shape[0])
    if n == 0:
        raise ValueError("cannot evaluate an empty split")
    b = min(int(batch_size), n)
    full, rem = divmod(n, b)
    xs = x[: full * b].reshape(full, b, *x.shape[1:])
    ys = y[: full * b].reshape(full, b, *y.shape[1:])
    shapes = jax.eval_shape(prob.evaluate, params, state, (xs[0], ys[0]))
    zeros = jax.tree.map(lambda s: jnp.zeros((), jnp.float32), shapes)

    def body(total, batch):
        metrics = prob.evaluate(params, state, batch)
        return jax.tree.map(lambda t, m: t + m.astype(jnp.float32) * b, total, metrics), None

    total, _ = jax.lax.scan(body, zeros, (xs, ys))
    if rem:
        last = prob.evaluate(params, state, (x[full * b :], y[full * b :]))
        total = jax.tree.map(lambda t, m: t + m.astype(jnp.float32) * rem, total, last)
    return jax.tree.map(lambda t: t / n, total)
