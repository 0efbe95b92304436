"""The recipe's one look at the test split: the chosen configuration's trained weights, once."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from jaxscape.population.seed_weights import seed_weights
from jaxscape.problem import Problem
from jaxscape.tune._common import _evaluate, has_test


def test_metrics(
    prob: Problem, params: Any, seeds: np.ndarray, batch_size: int = 1024
) -> dict[str, np.ndarray] | None:
    """Exact test-split metrics ``{"test_loss": [S], ...}`` of trained weights, one per seed.

    ``params`` has a leading ``[S]`` axis (seed ``seeds[s]``'s final weights); each is
    evaluated in evaluation mode with its seed's initial model state (the engine keeps
    parameters only). Weights with a non-finite entry score NaN. ``None`` without a test split.
    """
    if not has_test(prob):
        return None
    test = prob.data.test
    out: dict[str, list[float]] = {}
    for s, seed in enumerate(np.asarray(seeds, dtype=np.int64).tolist()):
        p = jax.tree.map(lambda a, s=s: a[s], params)
        _, state = seed_weights(prob, seed)
        got = _evaluate(prob=prob, params=p, state=state, x=test.x, y=test.y, batch_size=batch_size)
        for k, v in got.items():
            out.setdefault(f"test_{k}", []).append(float(v))
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def seed_means(values: dict[str, np.ndarray]) -> dict[str, float]:
    """Mean over seeds of every metric; NaN when a seed is not finite (as ``mean_final``)."""
    return {
        k: float(np.mean(v)) if np.all(np.isfinite(v)) else float("nan") for k, v in values.items()
    }


def final_entries(
    prob: Problem,
    best: str,
    cmp: Any,
    seeds: np.ndarray,
    metric: str,
    at_end: dict[str, float],
) -> tuple[dict | None, dict]:
    """``(final, final_val)`` of the recipe's hyperparameters for the chosen family ``best``.

    ``final``: the test split of the chosen configuration, evaluated here and only here
    (``None`` without a test split). ``final_val``: the validation numbers it was chosen on
    (the seeded runs' last record, mean over seeds) and the train/validation metrics of the
    first seed's trained weights (``at_end``, from the final line search).
    """
    split = metric.split("_", 1)[0]
    recorded = {
        name: cmp.final(best, name) for name in cmp.curves[best] if name.startswith(f"{split}_")
    }
    final_val = {
        "split": split,
        "metric": metric,
        "mean_over_seeds": seed_means(recorded),
        "per_seed": {k: v.tolist() for k, v in recorded.items()},
        "trained_weights": {"seed": int(seeds[0]), **at_end},
    }
    test = test_metrics(prob, cmp.params[best], seeds)
    if test is None:
        return None, final_val
    final = {
        "split": "test",
        "optimizer": best,
        "evaluated": "once, after every choice, for the chosen configuration only",
        "mean_over_seeds": seed_means(test),
        "per_seed": {k: v.tolist() for k, v in test.items()},
        "seeds": [int(s) for s in seeds],
    }
    return final, final_val
