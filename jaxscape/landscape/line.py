"""One-dimensional landscapes: along a direction, and between two weight sets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxscape.landscape._points import evaluate_landscape
from jaxscape.landscape._tree import check_same_tree
from jaxscape.landscape._validate import (
    check_params,
    check_points,
    check_request,
    direction_state,
    resolve_state,
)
from jaxscape.landscape.direction import Direction, as_direction
from jaxscape.landscape.result import LandscapeLine
from jaxscape.problem import Problem

Params = Any
State = Any

#: Default resolution of a line: evaluating it is cheap.
DEFAULT_POINTS = 201


def line(
    prob: Problem,
    params: Params,
    direction: Direction | Params,
    alphas: Sequence[float] | np.ndarray | None = None,
    *,
    state: State | None = None,
    move: str = "params",
    splits: Sequence[str] | None = None,
    batch_size: int = 1024,
    points_per_chunk: int | None = None,
    progress: bool = True,
    factored: bool | None = None,
    label: str | None = None,
) -> LandscapeLine:
    """Metrics at ``params + alpha * direction`` for every ``alpha``, exactly over each split.

    Points are evaluated many at a time (``jax.vmap`` over a chunk of points, the split scanned
    in data batches inside, every batch shared by the chunk), in evaluation mode (no dropout,
    running statistics).

    Args:
      prob: the problem.
      params: the centre ``theta`` (``alpha = 0``).
      direction: a :class:`~jaxscape.landscape.Direction` (e.g. from
        :func:`~jaxscape.landscape.random_direction`) or a pytree shaped like ``params``.
      alphas: ``[K]`` finite coordinates; default 201 points in ``[-1, 1]``.
      state: model state (batch statistics) that goes with ``params``; may be omitted when the
        model has none.
      move: ``"params"`` (default): only parameters move, the state stays at ``state`` at
        every point. ``"all"``: the state moves too, along the direction's state part.
      splits: ``("train", "test")`` by default (those present; a full-batch problem has only
        ``"train"``).
      batch_size: data batch size inside the evaluation (results do not depend on it).
      points_per_chunk: cap on the points per compiled call (default: sized to memory).
      progress: show a progress bar when there is more than one chunk.
      label: an optional name kept in the metadata (plots and galleries show it).

    Returns:
      A :class:`~jaxscape.landscape.LandscapeLine` with ``alphas`` ``[K]`` and metrics
      ``{"train_loss": [K], "train_accuracy": [K], "test_loss": [K], ...}``.

    Example:
      >>> import jax, jaxscape as js
      >>> prob = js.Problem.from_model(js.models.MLP(hidden=(16,)), js.data.digits())
      >>> params, _ = prob.init(jax.random.key(0))
      >>> d = js.landscape.random_direction(params, jax.random.key(1))
      >>> res = js.landscape.line(prob, params, d, [-1.0, 0.0, 1.0], progress=False)
      >>> res.metrics["test_accuracy"].shape
      (3,)
    """
    req = check_request(
        prob,
        move=move,
        splits=splits,
        batch_size=batch_size,
        points_per_chunk=points_per_chunk,
        progress=progress,
        factored=factored,
        label=label,
    )
    alphas = check_points(
        "alphas", np.linspace(-1, 1, DEFAULT_POINTS) if alphas is None else alphas
    )
    params = check_params(req.prob, "params", params)
    d = as_direction(direction)
    check_same_tree("direction", d.params, "params", params)
    state = resolve_state(req.prob, "state", state)
    d_state = direction_state(d, state, req.move)
    metrics, metadata = evaluate_landscape(
        req,
        (params, d.params),
        state,
        None if d_state is None else (state, d_state),
        np.stack([np.ones_like(alphas), alphas], axis=1),
        {
            "kind": "line",
            "direction": d.kind,
            "normalization": d.normalization,
            "ignore_biasbn": d.ignore_biasbn,
        },
        desc="line",
    )
    return LandscapeLine(alphas=alphas, metrics=metrics, metadata=metadata)


def interpolate(
    prob: Problem,
    params_a: Params,
    params_b: Params,
    alphas: Sequence[float] | np.ndarray | None = None,
    *,
    state_a: State | None = None,
    state_b: State | None = None,
    move: str = "params",
    splits: Sequence[str] | None = None,
    batch_size: int = 1024,
    points_per_chunk: int | None = None,
    progress: bool = True,
    factored: bool | None = None,
    label: str | None = None,
) -> LandscapeLine:
    """Metrics at ``(1 - alpha) * params_a + alpha * params_b`` (Goodfellow et al.'s line).

    ``alpha = 0`` is exactly ``params_a`` and ``alpha = 1`` exactly ``params_b``; values outside
    ``[0, 1]`` extrapolate. This is the final line search of the seven-step recipe: from the
    initial, untrained weights to the trained ones.

    Args:
      prob: the problem.
      params_a: the start (e.g. initial weights).
      params_b: the end (e.g. trained weights); same structure and shapes.
      alphas: ``[K]`` finite coordinates; default 201 points in ``[-0.5, 1.5]``.
      state_a, state_b: model states of the two ends. With ``move="params"`` (default) the
        state stays at ``state_a`` (the centre's statistics) at every point; with
        ``move="all"`` it is interpolated like the parameters (both are then required).
      splits, batch_size, points_per_chunk, progress, label: as for :func:`line`.

    Returns:
      A :class:`~jaxscape.landscape.LandscapeLine` (``metadata["endpoints"] == [0.0, 1.0]``).

    Example:
      >>> import jax, jaxscape as js
      >>> prob = js.Problem.from_model(js.models.LogisticRegression(), js.data.digits())
      >>> a, _ = prob.init(jax.random.key(0))
      >>> b, _ = prob.init(jax.random.key(1))
      >>> res = js.landscape.interpolate(prob, a, b, [0.0, 0.5, 1.0], progress=False)
      >>> res.metadata["endpoints"]
      [0.0, 1.0]
    """
    req = check_request(
        prob,
        move=move,
        splits=splits,
        batch_size=batch_size,
        points_per_chunk=points_per_chunk,
        progress=progress,
        factored=factored,
        label=label,
    )
    alphas = check_points(
        "alphas", np.linspace(-0.5, 1.5, DEFAULT_POINTS) if alphas is None else alphas
    )
    params_a = check_params(req.prob, "params_a", params_a)
    params_b = check_params(req.prob, "params_b", params_b)
    state_a = resolve_state(req.prob, "state_a", state_a)
    state_bases = None
    if req.move == "all":
        state_bases = (state_a, resolve_state(req.prob, "state_b", state_b))
    metrics, metadata = evaluate_landscape(
        req,
        (params_a, params_b),
        state_a,
        state_bases,
        np.stack([1.0 - alphas, alphas], axis=1),
        {
            "kind": "interpolation",
            "direction": "target",
            "normalization": "none",
            "ignore_biasbn": False,
            "endpoints": [0.0, 1.0],
        },
        desc="interpolate",
    )
    return LandscapeLine(alphas=alphas, metrics=metrics, metadata=metadata)
