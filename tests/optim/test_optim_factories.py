"""hyperparameter_names and with_schedule: how sweep tables address optimizer factories."""

from __future__ import annotations

import functools
import inspect

import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxscape.optim as jo
import jaxscape.schedules as sch


def test_hyperparameter_names_of_optimizers_partials_and_optax():
    assert jo.hyperparameter_names(jo.rmsprop) == (
        "learning_rate",
        "decay",
        "eps",
        "momentum",
        "centered",
        "weight_decay",
        "eps_inside",
        "initial_mean_square",
    )
    assert "eps_root" in jo.hyperparameter_names(optax.adam)
    partial = functools.partial(jo.sgd, momentum=0.9)
    assert "momentum" in jo.hyperparameter_names(partial)


def test_hyperparameter_names_rejects_kwargs_and_non_callables():
    with pytest.raises(TypeError, match="kwargs"):
        jo.hyperparameter_names(lambda **kw: optax.sgd(**kw))
    with pytest.raises(TypeError, match="factory"):
        jo.hyperparameter_names(0.1)


def test_with_schedule_merges_signatures():
    make = jo.with_schedule(jo.sgd, sch.policy)
    names = jo.hyperparameter_names(make)
    assert set(names) == {
        "learning_rate",
        "decay",
        "cycle_epochs",
        "cycle_high",
        "cycle_low",
        "steps_per_epoch",
        "cycle_shape",
        "momentum",
        "nesterov",
        "dampening",
        "weight_decay",
    }
    required = [
        p.name
        for p in inspect.signature(make).parameters.values()
        if p.default is inspect.Parameter.empty
    ]
    assert required == ["learning_rate"]
    assert make.factory is jo.sgd and make.schedule is sch.policy
    assert make.__name__ == "sgd_policy"


def test_with_schedule_routes_keywords():
    """Unit gradient, no momentum: after T steps p = -sum_t lr_t, lr_t = 0.4 * 0.5^floor(t/3)."""
    opt = jo.with_schedule(jo.sgd, sch.policy)(
        learning_rate=0.4, decay=0.5, steps_per_epoch=3, weight_decay=0.0
    )
    p, state = jnp.zeros(()), opt.init(jnp.zeros(()))
    for _ in range(7):
        u, state = opt.update(jnp.ones(()), state, p)
        p = p + u
    expected = -sum(0.4 * 0.5 ** (t // 3) for t in range(7))
    np.testing.assert_allclose(p, expected, rtol=1e-6)
    opt = jo.with_schedule(jo.adam, sch.step_decay)(
        learning_rate=0.1, gamma=0.5, step_size=1, b1=0.0, b2=0.0
    )
    u1, state = opt.update(jnp.ones(()), opt.init(jnp.zeros(())))
    u2, _ = opt.update(jnp.ones(()), state)
    np.testing.assert_allclose([u1, u2], [-0.1, -0.05], rtol=1e-6)  # b=0: step = -lr_t sign(g)


def test_with_schedule_errors():
    make = jo.with_schedule(jo.sgd, sch.policy)
    with pytest.raises(TypeError, match="gamma"):
        make(learning_rate=0.1, gamma=0.5)
    with pytest.raises(ValueError, match="decay"):  # the schedule's own checks still fire
        make(learning_rate=0.1, decay=-0.5)
    with pytest.raises(ValueError, match="momentum"):
        make(learning_rate=0.1, momentum=2.0)
    with pytest.raises(TypeError, match="decay"):  # rmsprop's decay vs the policy's decay
        jo.with_schedule(jo.rmsprop, sch.policy)
    with pytest.raises(TypeError, match="learning_rate"):
        jo.with_schedule(lambda momentum=0.0: optax.sgd(0.1), sch.policy)
