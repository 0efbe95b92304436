"""An optimizer factory that needs a swept hyperparameter's value is refused before compiling,
with the hyperparameter named and the jaxscape.schedules equivalent given."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxscape as js
from jaxscape.population import engine


@pytest.fixture
def prob():
    return js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(3))


@pytest.fixture
def compiled(monkeypatch):
    """Records every training program the engine starts to build."""
    made = []
    original = engine.make_steps

    def counting(*args, **kwargs):
        made.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(engine, "make_steps", counting)
    return made


def exp_decay(learning_rate, transition_steps, decay_rate):
    return optax.sgd(optax.exponential_decay(learning_rate, transition_steps, decay_rate))


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"learning_rate": 0.1, "transition_steps": 10, "decay_rate": [0.5, 0.9]}, "decay_rate"),
        ({"learning_rate": 0.1, "transition_steps": [10, 20], "decay_rate": 0.5}, "transition"),
    ],
)
def test_a_python_branch_on_a_swept_value_is_named(prob, compiled, table, named):
    with pytest.raises(TypeError) as info:
        js.sweep(prob, exp_decay, table, steps=4, progress=False)
    text = str(info.value)
    culprits = text[text.index("[") : text.index("]") + 1]
    assert named in culprits and "learning_rate" not in culprits
    assert "optax.exponential_decay" in text and "jaxscape.schedules.exponential_decay" in text
    assert compiled == []  # refused before any training program was built


def test_a_factory_that_needs_the_value_is_named_without_optax(prob, compiled):
    def clipped(learning_rate, clip):
        if clip > 0:  # Python needs the value
            return optax.chain(optax.clip(clip), optax.sgd(learning_rate))
        return optax.sgd(learning_rate)

    with pytest.raises(TypeError, match=r"\['clip'\].*jaxscape.schedules"):
        js.sweep(prob, clipped, {"learning_rate": [0.1, 0.2], "clip": 1.0}, steps=2, progress=False)
    assert compiled == []


def test_the_jaxscape_equivalent_runs_and_equals_the_optax_rates(prob):
    """The advice works: the per-step gamma ``decay_rate ** (1 / transition_steps)`` gives
    optax's (non-staircase) exponential decay; checked against optax's schedule by hand."""
    make = js.optim.with_schedule(js.optim.sgd, js.schedules.exponential_decay)
    rates = np.array([0.5, 0.9])
    res = js.sweep(
        prob,
        make,
        {"learning_rate": 0.4, "gamma": rates ** (1 / 10)},
        steps=20,
        eval_every=1,
        progress=False,
    )
    for i, rate in enumerate(rates):
        sched = optax.exponential_decay(0.4, 10, float(rate))
        p, losses = np.ones(3), []
        for t in range(20):
            losses.append(0.5 * np.sum(p**2))
            p = p - float(sched(t)) * p
        np.testing.assert_allclose(res.metrics["train_loss"][i], losses, rtol=2e-5)


def test_traceable_factories_pass(prob):
    lr_only = lambda learning_rate: optax.sgd(optax.exponential_decay(learning_rate, 10, 0.5))
    res = js.sweep(prob, lr_only, {"learning_rate": [0.1, 0.2]}, steps=3, progress=False)
    assert res.n_trials == 2 and not res.diverged.any()
