"""``Problem.from_functions``: a plain-JAX MLP with batch norm and dropout equals a
hand-written optax loop step for step."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest
from _byo_reference import (
    RATES,
    SEEDS,
    assert_dropout_streams_differ,
    assert_trial_matches,
    assert_val_matches,
    cross_entropy,
    reference,
    sweep,
)
from _plain_mlp import forward, init

import jaxscape as js


def _loss(params, state, x, y, key):
    out, state = forward(params, state, x, key, True)
    return cross_entropy(out, y), state


@pytest.fixture(scope="module")
def res(digits):
    return sweep(js.Problem.from_functions(init, forward, digits))


def test_plain_trials_equal_hand_written_optax_loops(digits, res):
    for i, (seed, lr) in enumerate(zip(SEEDS, RATES, strict=True)):
        losses, params, state = reference(init, _loss, digits, seed, lr)
        assert_trial_matches(res, i, losses, params)

        def evaluate(x, y, params=params, state=state):
            return cross_entropy(forward(params, state, x, None, False)[0], y)

        assert_val_matches(res, i, evaluate, digits)  # running statistics, no dropout


def test_dropout_masks_depend_on_the_seed_and_the_step(digits, res):
    assert_dropout_streams_differ(init, _loss, digits, res)


def test_bad_functions_are_refused_at_construction(digits):
    def narrow(p, s, x, key, train):
        return forward(p, s, x, key, train)[0][:, :3], s

    with pytest.raises(ValueError, match=r"to \(2, 3\).*need outputs \[2, 10\]"):
        js.Problem.from_functions(init, narrow, digits)
    with pytest.raises(TypeError, match="init must be callable"):
        js.Problem.from_functions(lambda: None, forward, digits)
    with pytest.raises(TypeError, match="apply must be callable"):
        js.Problem.from_functions(init, 3, digits)


def test_evaluation_uses_no_key_and_keeps_the_state(digits):
    prob = js.Problem.from_functions(init, forward, digits)
    params, state = prob.init(jax.random.key(0))
    x, y = digits.train.x[:8], digits.train.y[:8]
    first = prob.evaluate(params, state, (x, y))
    _, (new_state, _) = prob.objective(params, state, (x, y))
    assert not jnp.array_equal(new_state["model"]["mean"], state["model"]["mean"])
    assert not jnp.array_equal(jax.random.key_data(new_state["rng"]),
                               jax.random.key_data(state["rng"]))  # fmt: skip
    again = prob.evaluate(params, state, (x, y))
    assert float(first["loss"]) == float(again["loss"])
