"""``SweepResult.best_index``/``best``/``summary`` follow the one metric rule (``Judging``):
ties on an accuracy fall to the loss, and a test metric never ranks."""

from __future__ import annotations

import numpy as np
import pytest

import jaxscape as js


def _result(metrics: dict[str, list[float]], diverged=None) -> js.SweepResult:
    n = len(next(iter(metrics.values())))
    return js.SweepResult(
        hyperparams={"learning_rate": np.geomspace(1e-3, 1.0, n), "seed": np.zeros(n, int)},
        static={},
        steps=np.array([100, 200]),
        # two records; the first is the same for every trial, the last decides
        metrics={k: np.stack([np.full(n, 9.0), v], axis=1) for k, v in metrics.items()},
        diverged=np.zeros(n, bool) if diverged is None else np.asarray(diverged),
        diverged_at=-np.ones(n, int),
    )


# the case: five trials tie at 213/216 validation images, the fourth has the lowest loss
TIED = {
    "val_accuracy": [213 / 216] * 5 + [0.9],
    "val_loss": [0.061, 0.058, 0.070, 0.049, 0.052, 0.30],
    "test_accuracy": [0.93, 0.99, 0.95, 0.94, 0.96, 0.97],
}


def test_a_tie_on_validation_accuracy_falls_to_the_lower_validation_loss():
    res = _result(TIED)
    assert res.best_index() == 3  # not the first of the tied five
    assert res.best_index("val_accuracy") == 3
    best = res.best()
    assert best["trial"] == 3 and best["val_loss"] == pytest.approx(0.049)
    rows = res.summary(top=5).splitlines()[1:6]
    assert [int(r.split()[0]) for r in rows] == [3, 4, 1, 0, 2]  # the loss orders the tie
    assert "ranked by final val_accuracy" in res.summary()


def test_a_diverged_trial_never_wins_a_tie():
    res = _result(TIED, diverged=[False, False, False, True, False, False])
    assert res.best_index() == 4


def test_train_and_test_metrics_only_rank_by_train_never_test():
    res = _result(
        {
            "train_loss": [0.5, 0.2, 0.4],
            "test_accuracy": [0.99, 0.50, 0.60],  # the test split would pick trial 0
            "test_loss": [0.01, 0.90, 0.80],
        }
    )
    assert res.best_index() == 1 and res.best()["trial"] == 1
    assert "ranked by final train_loss" in res.summary()
    with pytest.raises(ValueError, match="never test"):
        res.best_index("test_accuracy")
    with pytest.raises(ValueError, match="metric must be one of"):
        res.best("val_accuracy")


def test_a_tiny_sweep_ranks_like_judging():
    prob = js.Problem.from_model(js.models.MLP(hidden=(8,)), js.data.digits())
    res = js.sweep(prob, js.optim.sgd, {"learning_rate": [0.01, 0.1, 0.3]}, steps=20,
                   batch_size=32, eval_every=20, progress=False)  # fmt: skip
    assert res.best_index() == js.Judging().best_index(res)
    assert not js.Judging().choose_metric(res.metrics).startswith("test_")
