"""``SweepResult`` is frozen; ``select``/``arms`` cut trials out as results of their own; ``plot``
draws the curves of the default metric."""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js

CURV = jnp.asarray([4.0, 1.0])
LRS = [0.05, 0.2, 0.45]


def _prob():
    return js.Problem.from_loss(lambda p: 0.5 * jnp.sum(CURV * p**2), jnp.ones(2))


def _sweep(table, **kw):
    # chunk_size=1: each trial is its own compiled chunk, so a trial's numbers do not depend
    # on which other trials share the population (bitwise)
    return js.sweep(_prob(), js.optim.sgd, table, steps=12, eval_every=4, chunk_size=1,
                    progress=False, **kw)  # fmt: skip


@pytest.fixture(scope="module")
def res():
    table = js.grid(momentum=[0.0, 0.9], learning_rate=LRS)
    return _sweep(table, keep_params=True, trajectory=[1, 4], keep_state=True)


def test_a_sweep_result_is_frozen(res):
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.info = {}
    changed = dataclasses.replace(res, info={"note": 1})
    assert changed.info == {"note": 1} and res.info != {"note": 1}


def test_each_arm_equals_a_sweep_of_that_arm_alone(res):
    arms = res.arms("momentum")
    assert list(arms) == [0.0, 0.9]
    for momentum, arm in arms.items():
        alone = _sweep({"learning_rate": LRS, "momentum": momentum}, keep_params=True)
        np.testing.assert_array_equal(arm.hyperparams["learning_rate"], np.float32(LRS))
        np.testing.assert_array_equal(arm.steps, alone.steps)
        for name, curve in alone.metrics.items():
            np.testing.assert_array_equal(arm.metrics[name], curve)
        np.testing.assert_array_equal(arm.diverged, alone.diverged)
        np.testing.assert_array_equal(arm.diverged_at, alone.diverged_at)
        np.testing.assert_array_equal(arm.params, alone.params)
        np.testing.assert_array_equal(np.asarray(arm.state.trials.params), alone.params)
        assert arm.state.n == 3


def test_arms_by_several_columns_and_replicates():
    table = {"learning_rate": [0.1, 0.1, 0.3, 0.3], "seed": [0, 1, 0, 1]}
    res = _sweep(table)
    by_lr = res.arms(["learning_rate"])
    assert list(by_lr) == [(0.1,), (0.3,)]
    assert by_lr[(0.3,)].hyperparams["seed"].tolist() == [0, 1]
    assert list(res.arms("seed")) == [0, 1]
    with pytest.raises(ValueError, match="by must name"):
        res.arms("momentum")
    with pytest.raises(ValueError, match="by must name"):
        res.arms([])


def test_select_by_indices_mask_and_slice_keeps_trajectories_of_chosen_trials(res):
    rows = [4, 0]
    picked = res.select(rows)
    for name, curve in res.metrics.items():
        np.testing.assert_array_equal(picked.metrics[name], curve[rows])
    # trial 4 kept its trajectory: it is trial 0 of the selection; trial 1 was not chosen
    assert picked.trajectory["trials"].tolist() == [0]
    np.testing.assert_array_equal(picked.trajectory["params"], res.trajectory["params"][1:2])
    mask = res.hyperparams["learning_rate"] > 0.1
    np.testing.assert_array_equal(res.select(mask).diverged_at, res.diverged_at[mask])
    assert res.select(slice(1, 3)).hyperparams["learning_rate"].tolist() == (
        res.hyperparams["learning_rate"][1:3].tolist()
    )
    assert res.select([]).n_trials == 0
    with pytest.raises(ValueError, match="mask"):
        res.select(np.ones(2, bool))
    with pytest.raises(ValueError, match="indices"):
        res.select([6])
    with pytest.raises(TypeError, match="trials"):
        res.select([0.5])


def test_plot_draws_the_default_metric_per_trial(res, tmp_path):
    fig = res.plot(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ax = fig.axes[0]
    assert ax.get_ylabel() == "train loss"
    curves = [ln for ln in ax.get_lines() if ln.get_marker() in ("None", None, "")]
    drawn = sorted(tuple(ln.get_ydata()) for ln in curves)
    np.testing.assert_allclose(drawn, sorted(tuple(r) for r in res.metrics["train_loss"]))
    with pytest.raises(ValueError, match="metric must be one of"):
        res.plot(metric="val_accuracy")


def test_old_import_names_still_work():
    from jaxscape import _result
    from jaxscape.population.result import HIGHER_IS_BETTER, higher_is_better

    assert higher_is_better is _result.higher_is_better
    assert HIGHER_IS_BETTER is _result.HIGHER_IS_BETTER
    assert higher_is_better("val_accuracy") and not higher_is_better("val_loss")
