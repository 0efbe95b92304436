"""``Problem.from_linen``: a linen MLP with batch norm and dropout equals a hand-written loop."""

from __future__ import annotations

import flax.linen as nn
import jax
import numpy as np
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


class Net(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.Dense(16)(x.reshape(len(x), -1))
        x = nn.BatchNorm(use_running_average=not train, momentum=0.9)(x)
        x = nn.Dropout(0.3, deterministic=not train)(nn.relu(x))
        return nn.Dense(10)(x)


NET = Net()


def _init(key):
    variables = NET.init({"params": key}, np.zeros((1, 8, 8, 1), np.float32), train=False)
    return variables["params"], {"batch_stats": variables["batch_stats"]}


def _loss(params, state, x, y, key):
    out, updated = NET.apply(
        {"params": params, **state}, x, train=True, rngs={"dropout": key}, mutable=["batch_stats"]
    )
    return cross_entropy(out, y), {"batch_stats": updated["batch_stats"]}


@pytest.fixture(scope="module")
def res(digits):
    return sweep(js.Problem.from_linen(NET, digits))


def test_linen_trials_equal_hand_written_optax_loops(digits, res):
    for i, (seed, lr) in enumerate(zip(SEEDS, RATES, strict=True)):
        losses, params, state = reference(_init, _loss, digits, seed, lr)
        assert_trial_matches(res, i, losses, params)

        def evaluate(x, y, params=params, state=state):
            return cross_entropy(NET.apply({"params": params, **state}, x, train=False), y)

        assert_val_matches(res, i, evaluate, digits)  # running statistics, no dropout


def test_dropout_masks_depend_on_the_seed_and_the_step(digits, res):
    """Trial 0 with trial 1's dropout stream, or one key for every step, trains differently."""
    assert_dropout_streams_differ(_init, _loss, digits, res)


def test_a_wrong_output_shape_is_refused_at_construction(digits):
    class Wrong(nn.Module):
        @nn.compact
        def __call__(self, x, train: bool = False):
            return nn.Dense(7)(x.reshape(len(x), -1))

    with pytest.raises(ValueError, match=r"to \(2, 7\).*need outputs \[2, 10\]"):
        js.Problem.from_linen(Wrong(), digits)


def test_state_holds_the_batch_statistics_and_a_key(digits):
    prob = js.Problem.from_linen(NET, digits)
    _, state = prob.init(jax.random.key(0))
    assert sorted(state) == ["model", "rng"]
    assert sorted(state["model"]) == ["batch_stats"]
    assert prob.weighted_objective is None and "batch statistics" in prob.no_weights
