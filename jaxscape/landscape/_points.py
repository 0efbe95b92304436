"""The one batched evaluator behind ``line``, ``interpolate``, ``plane`` and ``trajectory_plane``.

Every landscape point is a linear combination of a few *bases*: ``theta + a d`` is bases
``(theta, d)`` with weights ``(1, a)``; an interpolation ``(1 - a) theta_a + a theta_b``; a plane
point ``theta + x dx + y dy``. Given the bases and a ``[K, J]`` weight matrix, points are
evaluated a chunk at a time by one jit-compiled call: each split is scanned in data batches
(:func:`~jaxscape._split_mean.split_mean`) and every batch is evaluated at all ``C``
points of the chunk (``vmap``), so each batch is shared by the chunk and every point's metrics
are exact means over the whole split. When the model's first layer can be factored
(``X (w + a d) = X w + a X d``, see ``_factored``) the batch's products are computed once and
each point runs only the rest of the network; otherwise each point runs the whole network. A
point with a non-finite parameter (or state) entry gets NaN for every metric, as
:func:`jaxscape.evaluation.evaluate_split` gives. The last chunk is padded so that all chunks
share one compilation; the compiled function is cached by ``jax.jit`` across calls with the same
problem and shapes.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

from jaxscape._split_mean import split_mean
from jaxscape.evaluation import all_finite
from jaxscape.landscape._chunk import abstract_batch, bytes_per_point, plan_chunks
from jaxscape.landscape._factored import detect, factored_batch
from jaxscape.landscape._tree import combine
from jaxscape.landscape._validate import Request, split_arrays
from jaxscape.population.dispatch import has_convolution
from jaxscape.problem import Problem


@partial(jax.jit, static_argnames=("prob", "splits", "batch_size", "factored"))
def chunk_metrics(
    prob: Problem,
    bases: tuple,
    state: Any,
    state_bases: tuple | None,
    weights: jax.Array,
    data: tuple,
    splits: tuple[str, ...],
    batch_size: int,
    factored: bool,
) -> dict[str, jax.Array]:
    """``{split_metric: [C]}`` at the ``C`` points ``sum_j weights[c, j] bases[j]``."""

    def point_state(w):
        return state if state_bases is None else combine(state_bases, w)

    def per_batch(batch):
        if factored:
            return factored_batch(prob, bases, state, point_state, weights, batch)
        return jax.vmap(lambda w: prob.evaluate(combine(bases, w), point_state(w), batch))(weights)

    finite = jax.vmap(lambda w: all_finite((combine(bases, w), point_state(w))))(weights)
    out = {}
    for name, (x, y) in zip(splits, data, strict=True):
        metrics = split_mean(per_batch, x, y, batch_size)
        out.update({f"{name}_{k}": jnp.where(finite, v, jnp.nan) for k, v in metrics.items()})
    return out


def _use_factored(prob: Problem, params: Any, state: Any, batch: Any, factored: bool | None):
    if factored is False:
        return False
    layer = detect(prob, params, state, batch)
    if factored and layer is None:
        raise ValueError(
            "factored=True, but the model has no dense or conv layer applied to the raw "
            "input whose kernel is a parameter (use factored=None or False)"
        )
    return layer is not None


def _one_point_per_call(prob: Problem, params: Any, state: Any, batch: Any) -> bool:
    """On XLA:CPU a convolution vmapped over points (a different kernel per point) becomes a
    grouped convolution, several times slower than one point's plain convolution dispatched
    point after point (a 41-point line on flax's tutorial CNN: 24 s in chunks of 2, 3.6 s one
    point per call, ``benchmarks/conv_sweep.py``): evaluate one point per compiled call there."""
    if jax.default_backend() != "cpu":
        return False
    return has_convolution(lambda p, b: prob.evaluate(p, state, b), params, batch)


def _chunks(launch: Any, size: int, chunks: int, num_points: int, bar: Any) -> list[dict]:
    """Run every chunk, keeping one in flight while the previous one is copied back."""
    parts: list[dict[str, np.ndarray]] = []
    pending = launch(0)
    for i in range(chunks):
        following = launch(i + 1) if i + 1 < chunks else None
        parts.append({k: np.asarray(v) for k, v in pending.items()})
        bar.update(min(size, num_points - bar.n))
        pending = following
    bar.close()
    return parts


def evaluate_points(
    req: Request,
    bases: tuple,
    state: Any,
    state_bases: tuple | None,
    weights: np.ndarray,
    desc: str = "landscape",
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Metrics ``{split_metric: [K]}`` of the ``K`` points ``sum_j weights[k, j] bases[j]``.

    ``state_bases`` is ``None`` when the state stays at ``state`` (``move="params"``), else
    the state bases combined with the same weights. Returns the metrics and run information
    (chunk size, number of chunks, whether the first layer was factored, seconds).
    ``req.factored=None`` factors the first layer when one is found, ``True`` requires it,
    ``False`` never does.
    """
    start = time.perf_counter()
    prob, splits, batch_size = req.prob, req.splits, req.batch_size
    data = split_arrays(prob, splits)
    num_points = int(weights.shape[0])
    batch = abstract_batch(*data[0], batch_size)
    per_point = bytes_per_point(prob.evaluate, bases[0], state, batch, state_bases is not None)
    cap = req.points_per_chunk
    if cap is None and _one_point_per_call(prob, bases[0], state, batch):
        cap = 1
    size, chunks = plan_chunks(num_points, per_point, cap)
    factored = _use_factored(prob, bases[0], state, batch, req.factored)
    padded = np.concatenate(
        [weights, np.repeat(weights[-1:], size * chunks - num_points, axis=0)], axis=0
    ).astype(np.float32)

    def launch(i: int) -> dict[str, jax.Array]:
        chunk = jnp.asarray(padded[i * size : (i + 1) * size])
        return chunk_metrics(
            prob, bases, state, state_bases, chunk, data, splits, batch_size, factored
        )

    bar = tqdm(total=num_points, desc=desc, unit="pt", disable=not req.progress or chunks == 1)
    parts = _chunks(launch, size, chunks, num_points, bar)
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
        "factored": factored,
        "seconds": time.perf_counter() - start,
    }
    return metrics, info


def evaluate_landscape(
    req: Request,
    bases: tuple,
    state: Any,
    state_bases: tuple | None,
    weights: np.ndarray,
    describe: dict[str, Any],
    desc: str,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """:func:`evaluate_points`, and the metadata every landscape keeps.

    ``describe`` holds what is particular to the caller (``kind``, ``direction``, ...); the
    move, problem, splits, run information and the user's label are added here.
    """
    metrics, info = evaluate_points(req, bases, state, state_bases, weights, desc)
    metadata = {
        **describe,
        "move": req.move,
        "problem": req.prob.name,
        "splits": list(req.splits),
        **info,
        **({"label": req.label} if req.label else {}),
    }
    return metrics, metadata
