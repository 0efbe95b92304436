"""Pruning inside a population: a stopping rule consulted at every record."""

from __future__ import annotations

import jax
import numpy as np
import optuna
import pytest

import jaxscape as js
from jaxscape.population.pruning import ASHA, MedianStopping, OptunaPruner

LRS = np.geomspace(1e-3, 3.0, 16)


def _sweep(prob, **kw):
    return js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": LRS, "momentum": 0.9},
        steps=120,
        eval_every=10,
        batch_size=32,
        progress=False,
        **kw,
    )


@pytest.fixture(scope="module")
def full(small_mlp_problem):
    return _sweep(small_mlp_problem)


@pytest.mark.parametrize(
    "rule",
    [
        MedianStopping(metric="val_loss", warmup_steps=30),
        ASHA(metric="val_loss", min_steps=20, eta=2),
        OptunaPruner(optuna.pruners.SuccessiveHalvingPruner(min_resource=20, reduction_factor=2)),
    ],
    ids=["median", "asha", "optuna-successive-halving"],
)
def test_a_pruned_sweep_keeps_the_best_trial(small_mlp_problem, full, rule):
    pruned = _sweep(small_mlp_problem, prune=rule)
    metric = "val_loss"
    best_full = int(np.nanargmin(full.metrics[metric][:, -1]))
    final = pruned.metrics[metric][:, -1]
    best_pruned = int(np.nanargmin(final))
    assert abs(best_pruned - best_full) <= 1  # within one grid step
    stopped = pruned.pruned_at >= 0
    assert stopped.sum() >= len(LRS) // 4
    assert not (stopped & pruned.diverged).any() and (pruned.diverged_at[stopped] == -1).all()
    for i in np.flatnonzero(stopped):
        col = int(np.searchsorted(pruned.steps, pruned.pruned_at[i]))
        # kept up to the record that stopped it (the unpruned run's, to the float rounding of
        # a compacted chunk), NaN after
        got, want = pruned.metrics[metric][i, : col + 1], full.metrics[metric][i, : col + 1]
        np.testing.assert_allclose(got, want, rtol=1e-4)
        assert np.isnan(pruned.metrics[metric][i, col + 1 :]).all()
    live = ~stopped & ~pruned.diverged
    np.testing.assert_allclose(pruned.metrics[metric][live], full.metrics[metric][live], rtol=1e-4)


def test_without_compaction_live_trials_are_bitwise_the_unpruned_ones(small_mlp_problem, full):
    pruned = _sweep(small_mlp_problem, prune=MedianStopping("val_loss", 30), compact=False)
    live = (pruned.pruned_at < 0) & ~pruned.diverged
    assert live.sum() < len(LRS)
    for name, curve in full.metrics.items():
        np.testing.assert_array_equal(pruned.metrics[name][live], curve[live], err_msg=name)


def test_compaction_drops_dead_lanes_and_keeps_the_results_indexed(small_mlp_problem):
    lrs = np.concatenate([np.geomspace(0.01, 0.3, 4), np.full(12, 500.0)])  # 12 diverge at once
    table = {"learning_rate": lrs, "momentum": 0.9}
    kw = dict(steps=60, eval_every=5, batch_size=32, progress=False, keep_params=True)
    a = js.sweep(small_mlp_problem, js.optim.sgd, table, **kw)
    b = js.sweep(small_mlp_problem, js.optim.sgd, table, compact=False, **kw)
    assert a.diverged[4:].all() and not a.diverged[:4].any()
    np.testing.assert_array_equal(a.diverged_at, b.diverged_at)
    for name, curve in b.metrics.items():
        np.testing.assert_allclose(a.metrics[name], curve, rtol=1e-5, err_msg=name)
    for x, y in zip(jax.tree.leaves(a.params), jax.tree.leaves(b.params), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_asha_rungs_keep_a_third():
    rule = ASHA(metric="val_loss", min_steps=10, eta=3)
    assert [rule.rung(s) for s in (5, 10, 29, 30, 90)] == [-1, 0, 0, 1, 2]
    history = np.arange(9, dtype=float)[:, None]
    stop = rule.decide(10, np.arange(9), history)
    assert stop.tolist() == [False] * 3 + [True] * 6
    assert not rule.decide(20, np.arange(3), history[:3]).any()  # the same rung: once


def test_bad_pruners_are_refused(small_mlp_problem):
    with pytest.raises(TypeError, match="prune must be a pruner"):
        _sweep(small_mlp_problem, prune="median")
    with pytest.raises(ValueError, match="not recorded"):
        _sweep(small_mlp_problem, prune=MedianStopping(metric="val_f1"))
    with pytest.raises(ValueError, match="eta"):
        ASHA(eta=1)
