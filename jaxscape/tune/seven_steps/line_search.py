"""Line searches in weight space: before training (step 1) and from initial to trained weights
(step 7), and the barrier measure read from the final line.

References:
  I. J. Goodfellow, O. Vinyals and A. M. Saxe, "Qualitatively characterizing neural network
  optimization problems", ICLR 2015 (the line from the initial to the trained weights). H. Li
  et al., "Visualizing the Loss Landscape of Neural Nets", NeurIPS 2018 (filter-normalised
  random directions through a point).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np

from jaxscape._checks import check_choice, check_positive_int, check_range
from jaxscape.data import Dataset, Split
from jaxscape.landscape import LandscapeLine, interpolate, line, random_direction
from jaxscape.optim import adam
from jaxscape.population.seed_weights import seed_weights
from jaxscape.population.sweep import sweep
from jaxscape.problem import Problem
from jaxscape.tune._common import (
    DEFAULT_BATCH_SIZE,
    as_val_metrics,
    check_problem,
    check_seed,
    val_as_test,
)
from jaxscape.tune._resume import next_checkpoint

DIRECTIONS = ("trained", "random")


class DirectionFailed(ValueError):
    """The brief training that gives :func:`initial_line_search` its direction diverged."""


def _on_val(out: LandscapeLine) -> LandscapeLine:
    """A line computed on :func:`val_as_test` of the problem, its metrics named ``val_*``."""
    meta = dict(out.metadata)
    if "splits" in meta:
        meta["splits"] = ["val" if s == "test" else s for s in meta["splits"]]
    return dataclasses.replace(out, metrics=as_val_metrics(out.metrics), metadata=meta)


def _subset(data: Dataset, n: int, seed: int) -> Dataset:
    idx = np.sort(np.random.default_rng([seed, 7]).permutation(data.n_train)[:n])
    split = Split(data.train.x[idx], data.train.y[idx])
    return Dataset(f"{data.name} ({n} rows)", split, None, data.num_classes)


def initial_line_search(
    prob: Problem,
    *,
    direction: str = "trained",
    seed: int = 0,
    alphas: Sequence[float] | np.ndarray | None = None,
    train_steps: int = 50,
    subset: int = 512,
    learning_rate: float = 1e-3,
    batch_size: int | None = DEFAULT_BATCH_SIZE,
    progress: bool = True,
) -> LandscapeLine:
    """Step 1: metrics along a line through the initial weights ``theta_0`` of ``seed``.

    * ``direction="trained"`` (default): the direction found by training briefly on a small
      amount of data — ``train_steps`` steps of Adam (``learning_rate`` 1e-3, a rate that needs
      no tuning) on ``subset`` training rows — and the line
      ``(1 - alpha) theta_0 + alpha theta_brief`` for ``alpha`` in ``[-0.5, 4]`` (46 points):
      ``alpha = 1`` is the briefly trained point, beyond it the line extrapolates the early
      descent until it falls off the cliff.
    * ``direction="random"``: a filter-normalised Gaussian direction (Li et al. 2018) and
      ``alpha`` in ``[-1, 1]`` (41 points).

    Evaluated exactly on the whole training and validation splits (``train_*`` and
    ``val_*`` metrics; the test split is left for the final report).

    Args:
      prob: the problem.
      direction: ``"trained"`` or ``"random"`` (above).
      seed: the initial weights ``theta_0`` (and the subset and direction).
      alphas: ``[K]`` the points of the line (defaults above).
      train_steps, subset, learning_rate: the brief Adam training of ``"trained"``.
      batch_size: its mini-batch size (``None``: full batch).
      progress: show progress bars.

    Returns:
      A :class:`~jaxscape.landscape.LandscapeLine` with ``[K]`` metrics (an interpolation for
      ``"trained"``).

    Raises:
      DirectionFailed: (a ``ValueError``) the brief training diverged.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))
      >>> res = js.tune.initial_line_search(prob, train_steps=5, alphas=[0, 1, 2], progress=False)
      >>> res.alphas.tolist(), res.metadata["kind"]
      ([0.0, 1.0, 2.0], 'interpolation')
    """
    prob = check_problem(prob)
    direction = check_choice("direction", direction, DIRECTIONS)
    seed = check_seed(seed)
    params0, state0 = seed_weights(prob, seed)
    if direction == "random":
        alphas = np.linspace(-1.0, 1.0, 41) if alphas is None else alphas
        d = random_direction(params0, jax.random.fold_in(jax.random.key(seed), 1))
        return _on_val(
            line(
                val_as_test(prob),
                params0,
                d,
                alphas,
                state=state0,
                progress=progress,
                label="initial line: random filter-normalised direction",
            )
        )
    train_steps = check_positive_int("train_steps", train_steps)
    subset = check_positive_int("subset", subset)
    check_range("learning_rate", learning_rate, low=0.0, low_open=True)
    brief, params1 = _brief_training(
        prob, seed, train_steps, subset, float(learning_rate), batch_size, progress
    )
    alphas = np.linspace(-0.5, 4.0, 46) if alphas is None else alphas
    rows = "all" if brief.data is None else str(brief.data.n_train)
    out = _on_val(
        interpolate(
            val_as_test(prob),
            params0,
            params1,
            alphas,
            state_a=state0,
            progress=progress,
            label=f"initial line: toward {train_steps} Adam steps on {rows} training rows",
        )
    )
    direction_from = {
        "optimizer": "adam",
        "learning_rate": float(learning_rate),
        "steps": train_steps,
        "rows": None if brief.data is None else brief.data.n_train,
    }
    return dataclasses.replace(out, metadata={**out.metadata, "direction_from": direction_from})


def _brief_training(
    prob: Problem,
    seed: int,
    train_steps: int,
    subset: int,
    learning_rate: float,
    batch_size: int | None,
    progress: bool,
) -> tuple[Problem, Any]:
    """``train_steps`` Adam steps from the initial weights of ``seed`` on ``subset`` training
    rows: the problem trained on and the weights reached (the initial line's direction)."""
    brief = prob
    bs = batch_size
    if prob.data is not None:
        n = min(subset, prob.data.n_train)
        brief = dataclasses.replace(prob, data=_subset(prob.data, n, seed))
        bs = None if batch_size is None or batch_size >= n else batch_size
    res = sweep(
        brief,
        adam,
        {"learning_rate": learning_rate},
        steps=train_steps,
        batch_size=bs,
        seed=seed,
        keep_params=True,
        checkpoint=next_checkpoint("direction"),
        progress=progress,
    )
    if res.diverged[0]:
        raise DirectionFailed(
            f"training briefly with Adam at {learning_rate:g} diverged at step "
            f"{int(res.diverged_at[0])} of {train_steps}; use direction='random'"
        )
    return brief, jax.tree.map(lambda x: x[0], res.params)


def final_line_search(
    prob: Problem,
    params_init: Any,
    params_final: Any,
    *,
    state: Any = None,
    alphas: Sequence[float] | np.ndarray | None = None,
    progress: bool = True,
) -> LandscapeLine:
    """Step 7: metrics on the line from the initial to the trained weights (Goodfellow et al.).

    ``alpha = 0`` is ``params_init``, ``1`` is ``params_final``; default ``alpha`` in
    ``[-0.5, 1.5]`` (41 points). Read it with :func:`barrier`. Evaluated on the training and
    validation splits (``train_*``, ``val_*``), never the test split.

    Args:
      prob: the problem.
      params_init, params_final: the two weight pytrees (``alpha`` 0 and 1).
      state: the model state (batch-norm statistics...) to evaluate with, if any.
      alphas: ``[K]`` the points ``(1 - alpha) params_init + alpha params_final``.
      progress: show a progress bar.

    Returns:
      A :class:`~jaxscape.landscape.LandscapeLine` with ``[K]`` metrics.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))
      >>> a, b = jnp.ones((3, 2)), jnp.zeros((3, 2))
      >>> res = js.tune.final_line_search(prob, a, b, alphas=[0.0, 0.5, 1.0], progress=False)
      >>> res.metrics["train_loss"].tolist()   # 0.5 * 6 * (1 - alpha)^2
      [3.0, 0.75, 0.0]
    """
    prob = check_problem(prob)
    alphas = np.linspace(-0.5, 1.5, 41) if alphas is None else alphas
    return _on_val(
        interpolate(
            val_as_test(prob),
            params_init,
            params_final,
            alphas,
            state_a=state,
            progress=progress,
            label="final line: initial -> trained weights",
        )
    )


@dataclasses.dataclass(frozen=True)
class Barrier:
    """The highest bump of a loss curve between ``alpha = 0`` and ``alpha = 1``.

    Attributes:
      height: ``max_j [L_j - max(min_{i<=j} L_i, min_{i>=j} L_i)]`` over the points in
        ``[0, 1]``: how far the loss rises above the lower of the two valleys it separates
        (0 for a curve without an interior bump, e.g. a monotone one).
      alpha: where the bump peaks (NaN when ``height == 0``).
      drop: ``L(0) - L(1)``, the scale a barrier is judged against.
      metric: the metric read.
    """

    height: float
    alpha: float
    drop: float
    metric: str


def barrier(line_result: LandscapeLine, metric: str = "train_loss") -> Barrier:
    """The barrier of an interpolation line (see :class:`Barrier` for the formula).

    Args:
      line_result: a line whose ``alphas`` include 0 and 1 (:func:`final_line_search`).
      metric: the curve read (a loss).

    Returns:
      The :class:`Barrier` (height, where it peaks, and the drop ``L(0) - L(1)``).

    Example:
      >>> import numpy as np, jaxscape as js
      >>> a = np.linspace(0, 1, 5)
      >>> bump = js.landscape.LandscapeLine(a, {"train_loss": np.array([2.0, 1.0, 1.5, 0.5, 0.1])})
      >>> barrier(bump).height, barrier(bump).alpha
      (0.5, 0.5)
    """
    if metric not in line_result.metrics:
        raise ValueError(f"metric must be one of {sorted(line_result.metrics)}, got {metric!r}")
    a = np.asarray(line_result.alphas, dtype=np.float64)
    v = np.asarray(line_result.metrics[metric], dtype=np.float64)
    inside = (a >= -1e-9) & (a <= 1 + 1e-9) & np.isfinite(v)
    order = np.argsort(a[inside])
    a, v = a[inside][order], v[inside][order]
    if v.size < 3:
        return Barrier(0.0, float("nan"), float("nan"), metric)
    left = np.minimum.accumulate(v)
    right = np.minimum.accumulate(v[::-1])[::-1]
    bump = v - np.maximum(left, right)
    j = int(np.argmax(bump))
    height = float(max(bump[j], 0.0))
    return Barrier(height, float(a[j]) if height > 0 else float("nan"), float(v[0] - v[-1]), metric)
