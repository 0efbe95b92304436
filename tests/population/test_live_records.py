"""``on_record``: every record reaches the hook while the sweep runs, equal to what it returns."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape.population.record import RecordEvent


def test_the_hook_sees_step_k_before_the_sweep_returns(small_mlp_problem):
    seen: list[RecordEvent] = []
    returned = []

    def hook(event):
        assert not returned  # called while the sweep runs, not after
        seen.append(event)

    res = js.sweep(
        small_mlp_problem,
        js.optim.sgd,
        {"learning_rate": [0.01, 0.1, 0.5, 50.0], "momentum": 0.9},
        steps=40,
        eval_every=5,
        batch_size=32,
        chunk_size=3,  # two chunks: trials [0, 3) and [3, 4)
        progress=False,
        on_record=hook,
    )
    returned.append(res)
    assert len(seen) == 2 * 8
    by_trial = {}
    for e in seen:
        assert e.step == res.steps[e.column]
        for i, trial in enumerate(e.trials):
            by_trial[(int(trial), e.column)] = (e, i)
            np.testing.assert_array_equal(
                e.hyperparams["learning_rate"][i], res.hyperparams["learning_rate"][trial]
            )
    assert len(by_trial) == 4 * 8  # every trial and column once
    for (trial, col), (e, i) in by_trial.items():
        for name, curve in res.metrics.items():
            np.testing.assert_array_equal(e.metrics[name][i], curve[trial, col], err_msg=name)
        diverged_by_now = 0 <= res.diverged_at[trial] < e.step
        assert e.diverged[i] == diverged_by_now or (res.diverged_at[trial] == e.step - 1)
    assert res.diverged[3] and seen[-1].diverged[0]  # lr 50 diverged, and the hook was told


def test_a_hook_that_is_not_callable_is_refused():
    prob = js.Problem.from_loss(lambda p: jnp.sum(p**2), jnp.ones(2))
    with pytest.raises(TypeError, match="on_record"):
        js.sweep(prob, js.optim.sgd, {"learning_rate": 0.1}, steps=2, on_record=3)


def test_a_training_object_and_keywords(small_mlp_problem):
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(2))
    training = js.Training(steps=10, eval_every=5, progress=False)
    a = js.sweep(prob, js.optim.sgd, {"learning_rate": [0.1, 3.0]}, training)
    b = js.sweep(
        prob, js.optim.sgd, {"learning_rate": [0.1, 3.0]}, steps=10, eval_every=5, progress=False
    )
    np.testing.assert_array_equal(a.metrics["train_loss"], b.metrics["train_loss"])
    assert a.diverged.tolist() == [False, True]
    c = js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": [0.1, 3.0]},
        training,
        judging=js.Judging(diverge_factor=1e9),
    )
    assert c.info["diverge_factor"] == 1e9
    with pytest.raises(TypeError, match="stepz"):
        js.sweep(prob, js.optim.sgd, {"learning_rate": 0.1}, steps=2, stepz=3)
    with pytest.raises(TypeError, match="needs steps"):
        js.sweep(prob, js.optim.sgd, {"learning_rate": 0.1})
