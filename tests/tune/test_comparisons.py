"""Seeded comparisons: confirmation of momentum, schedule checks, optimizer comparison."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape.tune.comparisons.verdict import paired_verdict


def _quadratic():
    return js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w**2), jnp.ones((3, 2)))


def test_confirm_momentum_equals_a_direct_seeded_sweep(small_mlp_problem):
    prob = small_mlp_problem
    cmp = js.tune.confirm_momentum(prob, 0.3, 0.6, steps=38, seeds=[3, 5], progress=False)
    assert cmp.arms == ["momentum 0", "momentum 0.6"] and cmp.seeds.tolist() == [3, 5]
    direct = js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": 0.3, "momentum": [0.0, 0.0, 0.6, 0.6], "seed": [3, 5, 3, 5]},
        steps=38,
        batch_size=64,
        eval_every=19,  # one epoch: 1221 training rows // 64
        progress=False,
    )
    for i, arm in enumerate(cmp.arms):
        np.testing.assert_allclose(
            cmp.curves[arm]["val_accuracy"][:, 1:],
            direct.metrics["val_accuracy"][2 * i : 2 * i + 2],
        )
    # choices never see the test split: the tuning population does not even evaluate it
    assert cmp.metric == "val_accuracy"
    assert not any(k.startswith("test_") for k in cmp.curves["momentum 0"])
    # the first record is step 0: the exact metrics of each seed's initial weights
    val = prob.data.val
    for j, s in enumerate([3, 5]):
        params, state = prob.init(jax.random.key(s))
        loss = float(prob.evaluate(params, state, (val.x, val.y))["loss"])
        assert cmp.curves["momentum 0.6"]["val_loss"][j, 0] == pytest.approx(loss, rel=1e-5)
    v = cmp.verdicts["momentum 0.6"]
    ref = paired_verdict(cmp.final("momentum 0"), cmp.final("momentum 0.6"), metric="val_accuracy")
    assert (v.effect, v.se, v.adopt) == (ref.effect, ref.se, ref.adopt)
    assert cmp.epochs[-1] == pytest.approx(2.0)


def test_schedule_rates_follow_their_closed_forms():
    prob = _quadratic()  # full batch: one step per epoch
    cmp = js.tune.check_schedules(prob, 0.1, plateau=4, epochs=12, seeds=2, progress=False)
    t = np.arange(12)
    np.testing.assert_allclose(cmp.rates["constant"], 0.1)
    np.testing.assert_allclose(cmp.rates["decay"], 0.1 * (2 / 3) ** (np.floor(t) / 4), rtol=1e-5)
    u = (t % 4) / 4
    np.testing.assert_allclose(cmp.rates["cyclical"], 0.1 * (2.0 + (0.5 - 2.0) * u), rtol=1e-5)
    # and the runs really used them: gradient descent on 0.5 w^2 multiplies w by (1 - lr_t)
    for arm in cmp.arms:
        expected = 3.0 * np.prod((1 - cmp.rates[arm][:-1]) ** 2)  # loss before the last step
        np.testing.assert_allclose(cmp.final(arm, "train_loss"), expected, rtol=1e-4)


def test_plateau_is_read_from_a_baseline_run_when_not_given():
    # constant lr 0.1 on 0.5 |w|^2 from |w|^2 = 6: the loss recorded at epoch k is
    # 3 * 0.81^(k-1) (epoch 0: 3); 95% of the drop to 3 * 0.81^19 is first reached at k = 14.
    cmp = js.tune.check_decay(_quadratic(), 0.1, epochs=20, seeds=1, progress=False)
    assert cmp.plateau.epoch == 14 and cmp.plateau.metric == "train_loss"
    assert cmp.settings["decay"]["decay"] == pytest.approx((2 / 3) ** (1 / 14))
    assert cmp.arms == ["constant", "decay"]
    assert not cmp.verdicts["decay"].adopt  # one seed: no spread, no decision


def test_schedule_check_arguments():
    prob = _quadratic()
    with pytest.raises(ValueError, match="variants"):
        js.tune.check_schedules(prob, 0.1, variants=("warmup",), progress=False)
    with pytest.raises(ValueError, match="policy"):
        js.tune.check_schedules(prob, 0.1, optimizer=js.optim.rmsprop, progress=False)
    with pytest.raises(ValueError, match="hyperparams"):
        js.tune.check_schedules(prob, 0.1, hyperparams={"decay": 0.5}, progress=False)
    with pytest.raises(TypeError, match="variants"):
        js.tune.check_decay(prob, 0.1, variants=("cyclical",))


def test_compare_optimizers_searches_each_family_and_can_reuse_runs():
    prob = _quadratic()
    sched = js.tune.check_schedules(
        prob,
        0.5,
        variants=("decay",),
        plateau=3,
        epochs=10,
        seeds=2,
        keep_params=True,
        progress=False,
    )
    spec = (
        js.optim.with_schedule(js.optim.sgd, js.schedules.policy),
        {**sched.settings["constant"]},
    )
    res = js.tune.compare_optimizers(
        prob,
        {"sgd": spec, "adam": "adam"},
        num=7,
        sweep_steps=10,
        steps=10,
        seeds=2,
        keep_params=True,
        reuse={"sgd": (sched, "constant")},
        progress=False,
    )
    assert list(res.sweeps) == ["adam"]  # sgd had a fixed rate: no search
    np.testing.assert_allclose(
        res.comparison.curves["sgd"]["train_loss"], sched.curves["constant"]["train_loss"]
    )
    assert res.chosen["adam"]["learning_rate"] == res.sweeps["adam"].suggestion
    assert jax.tree.leaves(res.comparison.params["adam"])[0].shape == (2, 3, 2)  # [S, ...]
    with pytest.raises(ValueError, match="other seeds"):
        js.tune.compare_optimizers(
            prob,
            {"sgd": spec},
            steps=10,
            seeds=[4, 5],
            reuse={"sgd": (sched, "constant")},
            progress=False,
        )
    with pytest.raises(ValueError, match="unknown optimizer"):
        js.tune.compare_optimizers(prob, ("sgd", "lion"), progress=False)


def test_a_family_whose_whole_rate_search_failed_is_recorded_and_warned():
    # GD on 0.5 |w|^2 (L = 1) diverges at every rate above 2: nothing in the grid works.
    with pytest.warns(UserWarning, match="every one of the 3 rates"):
        res = js.tune.compare_optimizers(
            _quadratic(),
            {"sgd": (js.optim.sgd, {"learning_rate": 0.5}), "big": js.optim.sgd},
            learning_rates=[3.0, 5.0, 8.0],
            sweep_steps=30,
            steps=10,
            seeds=2,
            progress=False,
        )
    assert res.sweeps["big"].band is None and res.sweeps["big"].failed.all()
    assert res.chosen["big"]["learning_rate"] == 3.0
    assert list(res.fallbacks) == ["big"] and "smallest rate, 3" in res.fallbacks["big"]
    assert res.to_dict()["fallbacks"] == res.fallbacks
    assert res.best == "sgd"


def test_schedule_check_reuses_the_kept_momentum_runs_as_its_constant_arm(small_mlp_problem):
    prob, seeds = small_mlp_problem, [3, 5]
    kw = dict(steps=38, seeds=seeds, progress=False)
    confirm = js.tune.confirm_momentum(prob, 0.3, 0.6, keep_params=True, **kw)
    sched = dict(hyperparams={"momentum": 0.6}, plateau=1, keep_params=True, **kw)
    trained = js.tune.check_schedules(prob, 0.3, **sched)
    reused = js.tune.check_schedules(prob, 0.3, baseline=(confirm, "momentum 0.6"), **sched)
    assert reused.arms == trained.arms == ["constant", "decay", "cyclical"]
    # the constant arm is step 3's runs, and training it again gives them back (to the
    # rounding of another population size and of the schedule's multiply by 1)
    assert reused.curves["constant"] is confirm.curves["momentum 0.6"]
    for arm in reused.arms:
        for metric in ("train_loss", "val_accuracy"):
            np.testing.assert_allclose(
                reused.curves[arm][metric], trained.curves[arm][metric], rtol=2e-5, atol=1e-6
            )
    for arm, verdict in trained.verdicts.items():
        assert reused.verdicts[arm].adopt == verdict.adopt
        assert reused.verdicts[arm].effect == pytest.approx(verdict.effect, abs=1e-6)
    # only the variants trained: a population of 2 arms x 2 seeds, not 3 x 2
    assert reused.info["chunk_size"] == 4 and trained.info["chunk_size"] == 6
    assert jax.tree.leaves(reused.params["constant"])[0].shape[0] == 2
    # the plateau is read from the reused runs when not given (no baseline run is trained)
    read = js.tune.check_decay(prob, 0.3, hyperparams={"momentum": 0.6}, **kw,
                               baseline=(confirm, "momentum 0.6"))  # fmt: skip
    assert read.plateau.rule != "given by the caller"
    with pytest.raises(ValueError, match="learning_rate"):
        js.tune.check_schedules(prob, 0.2, baseline=(confirm, "momentum 0.6"), **sched)
    with pytest.raises(ValueError, match="momentum"):
        js.tune.check_schedules(prob, 0.3, baseline=(confirm, "momentum 0"), **sched)
    with pytest.raises(ValueError, match="other seeds"):
        js.tune.check_schedules(
            prob, 0.3, baseline=(confirm, "momentum 0.6"), **{**sched, "seeds": [3, 4]}
        )
    with pytest.raises(TypeError, match="baseline"):
        js.tune.check_schedules(prob, 0.3, baseline=confirm, **sched)
