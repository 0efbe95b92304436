"""The batched evaluator behind ``line``, ``interpolate`` and ``plane``.

Every landscape point is a linear combination of a few *bases*: ``theta + a d`` is bases
``(theta, d)`` with weights ``(1, a)``; an interpolation ``(1 - a) theta_a + a theta_b``; a plane
point ``theta + x dx + y dy``. Given the bases and a ``[K, J]`` weight matrix, points are
evaluated a chunk at a time: one jit-compiled call ``vmap``s over the chunk's points, and inside
it each split is scanned in data batches (:func:`jaxscape.evaluation.evaluate_split`), so every
data batch is shared by all points of the chunk and every point's metrics are exact means over
the whole split. The last chunk is padded so that all chunks share one compilation; the
compiled function is cached by ``jax.jit`` across calls with the same problem and shapes.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

from jaxscape.evaluation import evaluate_split
from jaxscape.landscape._chunk import abstract_batch, bytes_per_point, plan_chunks
from jaxscape.landscape._factored import chunk_metrics_factored, detect
from jaxscape.landscape._tree import combine
from jaxscape.problem import Problem


@partial(jax.jit, static_argnames=("prob", "splits", "batch_size"))
def _chunk_metrics(
    prob: Problem,
    bases: tuple,
    state: Any,
    state_bases: tuple | None,
    weights: jax.Array,
    data: tuple,
    splits: tuple[str, ...],
    batch_size: int,
) -> dict[str, jax.Array]:
    def one(w):
        params = combine(bases, w)
        st = state if state_bases is None else combine(state_bases, w)
        out = {}
        for name, (x, y) in zip(splits, data, strict=True):
            metrics = evaluate_split(prob, params, st, x, y, batch_size)
            out.update({f"{name}_{k}": v for k, v in metrics.items()})
        return out

    return jax.vmap(one)(weights)


def evaluate_points(
    prob: Problem,
    bases: tuple,
    state: Any,
    state_bases: tuple | None,
    weights: np.ndarray,
    data: tuple,
    splits: tuple[str, ...],
    batch_size: int,
    points_per_chunk: int | None,
    progress: bool,
    factored: bool | None = None,
    desc: str = "landscape",
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Metrics ``{split_metric: [K]}`` of the ``K`` points ``sum_j weights[k, j] bases[j]``.

    ``state_bases`` is ``None`` when the state stays at ``state`` (``move="params"``), else
    the state bases combined with the same weights. Returns the metrics and run information
    (chunk size, number of chunks, whether the first layer was factored, seconds).
    ``factored=None`` factors the first layer when one is found (see ``_factored``), ``True``
    requires it, ``False`` never does.
    """
    start = time.perf_counter()
    num_points = int(weights.shape[0])
    x0, y0 = data[0]
    per_point = bytes_per_point(
        prob.evaluate,
        bases[0],
        state,
        abstract_batch(x0, y0, batch_size),
        state_bases is not None,
    )
    size, chunks = plan_chunks(num_points, per_point, points_per_chunk)
    use_factored = False
    if factored is not False:
        layer = detect(prob, bases[0], state, abstract_batch(x0, y0, batch_size))
        if factored and layer is None:
            raise ValueError(
                "factored=True, but the model has no dense or conv layer applied to the raw "
                "input whose kernel is a parameter (use factored=None or False)"
            )
        use_factored = layer is not None
    chunk_fn = chunk_metrics_factored if use_factored else _chunk_metrics
    padded = np.concatenate(
        [weights, np.repeat(weights[-1:], size * chunks - num_points, axis=0)], axis=0
    ).astype(np.float32)

    def launch(i: int) -> dict[str, jax.Array]:
        chunk = jnp.asarray(padded[i * size : (i + 1) * size])
        return chunk_fn(
            prob, bases, state, state_bases, chunk, data, splits=splits, batch_size=batch_size
        )

    bar = tqdm(total=num_points, desc=desc, unit="pt", disable=not progress or chunks == 1)
    parts: list[dict[str, np.ndarray]] = []
    pending = launch(0)
    for i in range(chunks):
        # keep one chunk in flight while the previous one is copied back
        following = launch(i + 1) if i + 1 < chunks else None
        parts.append({k: np.asarray(v) for k, v in pending.items()})
        bar.update(min(size, num_points - bar.n))
        pending = following
    bar.close()
    names = [f"{s}_{m}" for s in splits for m in prob.metric_names]
    names += sorted(k for k in parts[0] if k not in names)
    metrics = {
        k: np.concatenate([p[k] for p in parts])[:num_points] for k in names if k in parts[0]
    }
    info = {
        "points": num_points,
        "points_per_chunk": size,
        "chunks": chunks,
        "bytes_per_point": per_point,
        "batch_size": batch_size,
        "factored": use_factored,
        "seconds": time.perf_counter() - start,
    }
    return metrics, info
