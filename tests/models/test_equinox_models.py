"""``Problem.from_equinox``: an equinox MLP with batch norm and dropout equals a hand-written
loop in equinox's own idiom (vmapped over examples, ``eqx.nn.inference_mode`` to evaluate)."""

from __future__ import annotations

import equinox as eqx
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

import jaxscape as js


class Net(eqx.Module):
    l1: eqx.nn.Linear
    bn: eqx.nn.BatchNorm
    drop: eqx.nn.Dropout
    l2: eqx.nn.Linear

    def __init__(self, key):
        k1, k2 = jax.random.split(key)
        self.l1 = eqx.nn.Linear(64, 16, key=k1)
        self.bn = eqx.nn.BatchNorm(16, axis_name="batch", mode="batch", momentum=0.9)
        self.drop = eqx.nn.Dropout(0.3)
        self.l2 = eqx.nn.Linear(16, 10, key=k2)

    def __call__(self, x, state, *, key=None):
        h, state = self.bn(self.l1(x.reshape(-1)), state)
        return self.l2(self.drop(jax.nn.relu(h), key=key)), state


def make(key):
    return eqx.nn.make_with_state(Net)(key)


def _split(model):
    """The model's float arrays as the flat dict the problem trains, and the rest."""
    params, static = eqx.partition(model, eqx.is_inexact_array)
    flat = jax.tree_util.tree_flatten_with_path(params)[0]
    names = [jax.tree_util.keystr(p, simple=True, separator=".") for p, _ in flat]
    return dict(zip(names, jax.tree.leaves(params), strict=True)), params, static


#: The model's non-trained part (the same for every key), closed over by the reference.
STATIC = eqx.partition(make(jax.random.key(0))[0], eqx.is_inexact_array)[1]


def _init(key):
    model, state = make(key)
    return _split(model)[1], state


def _forward(params, state, x, key, inference):
    model = eqx.nn.inference_mode(eqx.combine(params, STATIC), inference)
    keys = None if key is None else jax.random.split(key, x.shape[0])
    axes = (0, None, None if keys is None else 0)
    one = lambda xi, st, ki: model(xi, st, key=ki)
    batched = jax.vmap(one, axis_name="batch", in_axes=axes, out_axes=(0, None))
    return batched(x, state, keys)


def _loss(params, state, x, y, key):
    out, state = _forward(params, state, x, key, False)
    return cross_entropy(out, y), state


@pytest.fixture(scope="module")
def res(digits):
    return sweep(js.Problem.from_equinox(make, digits))


def test_equinox_trials_equal_hand_written_optax_loops(digits, res):
    for i, (seed, lr) in enumerate(zip(SEEDS, RATES, strict=True)):
        losses, params, state = reference(_init, _loss, digits, seed, lr)
        assert_trial_matches(res, i, losses, _split(eqx.combine(params, STATIC))[0])

        def evaluate(x, y, params=params, state=state):
            return cross_entropy(_forward(params, state, x, None, True)[0], y)

        assert_val_matches(res, i, evaluate, digits)  # running statistics, no dropout


def test_dropout_masks_depend_on_the_seed_and_the_step(digits, res):
    assert_dropout_streams_differ(_init, _loss, digits, res)


def test_a_stateless_model_and_a_wrong_output_shape(digits):
    def flat(layer):
        return eqx.nn.Sequential([eqx.nn.Lambda(jnp.ravel), layer])

    prob = js.Problem.from_equinox(lambda key: flat(eqx.nn.MLP(64, 10, 8, 1, key=key)), digits)
    assert prob.weighted_objective is not None  # no batch statistics: batches can be masked
    with pytest.raises(ValueError, match=r"to \(2, 3\).*need outputs \[2, 10\]"):
        js.Problem.from_equinox(lambda key: flat(eqx.nn.Linear(64, 3, key=key)), digits)
    with pytest.raises(ValueError, match="cannot be applied to a batch"):
        js.Problem.from_equinox(lambda key: eqx.nn.Linear(5, 10, key=key), digits)
