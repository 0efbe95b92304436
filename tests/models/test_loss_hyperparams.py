"""A loss with the trial's own hyperparameters (``Problem.from_custom_loss``): label smoothing
x dropout rate x learning rate swept in one population, each trial equal to its run alone."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from _byo_reference import STEPS, reference, sweep
from _plain_mlp import forward, init

import jaxscape as js
from jaxscape.models import table_factory

GRID = js.grid(label_smoothing=[0.0, 0.1], dropout_rate=[0.0, 0.3], learning_rate=[0.1, 0.05])
HYPER = ("label_smoothing", "dropout_rate")


def smoothed_loss(params, state, batch, key, hp):
    """Cross-entropy on smoothed labels of the MLP with dropout at ``hp["dropout_rate"]``."""
    x, y = batch
    logits, new = forward(params, state, x, key, key is not None, rate=hp["dropout_rate"])
    target = optax.smooth_labels(jax.nn.one_hot(y, 10), hp["label_smoothing"])
    value = optax.softmax_cross_entropy(logits, target).mean()
    return value, new, {"accuracy": (logits.argmax(-1) == y).mean()}


@pytest.fixture(scope="module")
def prob(digits):
    return js.Problem.from_custom_loss(init, smoothed_loss, digits, hyperparams=HYPER)


@pytest.fixture(scope="module")
def optimizer(prob):
    # what js.sweep does with the optimizer of a problem with hyperparams (idempotent)
    return table_factory(prob, js.optim.sgd)


@pytest.fixture(scope="module")
def population(prob, optimizer):
    return sweep(prob, optimizer, {**GRID, "seed": 0})


def test_each_trial_of_one_population_equals_its_run_alone(prob, optimizer, population):
    assert population.n_trials == 8
    bitwise = True
    for i in range(8):
        row = {k: float(v[i]) for k, v in GRID.items()}
        alone = sweep(prob, optimizer, {**row, "seed": 0})
        for name in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
            np.testing.assert_allclose(
                population.metrics[name][i], alone.metrics[name][0], rtol=1e-6, atol=1e-7,
                err_msg=f"{name}, trial {i}: {row}",
            )  # fmt: skip
            bitwise &= np.array_equal(population.metrics[name][i], alone.metrics[name][0])
        for got, ref in zip(
            jax.tree.leaves(population.params), jax.tree.leaves(alone.params), strict=True
        ):
            np.testing.assert_allclose(got[i], ref[0], rtol=1e-6, atol=1e-7)
    print(f"bitwise equal to the runs alone: {bitwise}")
    # every hyperparameter changed the run: 8 distinct final losses
    assert len({round(float(v), 5) for v in population.metrics["train_loss"][:, -1]}) == 8


def test_a_trial_equals_a_hand_written_loop_with_its_values(digits, population):
    i = 5  # label_smoothing 0.1, dropout_rate 0.0, learning_rate 0.05
    ls, rate, lr = (float(GRID[k][i]) for k in ("label_smoothing", "dropout_rate", "learning_rate"))

    def loss(params, state, x, y, key):
        logits, state = forward(params, state, x, key, True, rate=rate)
        target = optax.smooth_labels(jax.nn.one_hot(y, 10), ls)
        return optax.softmax_cross_entropy(logits, target).mean(), state

    losses, _, _ = reference(init, loss, digits, 0, lr)
    assert len(losses) == STEPS
    np.testing.assert_allclose(population.metrics["train_loss"][i], losses, rtol=1e-5)


def test_the_columns_never_reach_the_optimizer(prob, optimizer):
    opt = optimizer(learning_rate=0.1, label_smoothing=0.1, dropout_rate=0.3)
    assert isinstance(opt, optax.GradientTransformation)
    with pytest.raises(TypeError, match=r"table\['dropout_rate'\] must be numbers"):
        optimizer(learning_rate=0.1, label_smoothing=0.1, dropout_rate="high")


@pytest.mark.parametrize(
    ("table", "error", "match"),
    [
        ({"learning_rate": 0.1, "label_smoothing": 0.1}, ValueError, r"missing.*'dropout_rate'"),
        ({**dict.fromkeys(("learning_rate", *HYPER), 0.1), "mixup": 0.2}, ValueError,
         r"unknown hyperparameter\(s\) \['mixup'\]"),
    ],
)  # fmt: skip
def test_columns_that_do_not_fit_are_refused_before_compiling(prob, optimizer, table, error, match):
    with pytest.raises(error, match=match):
        js.sweep(prob, optimizer, table, steps=2, batch_size=8, progress=False)


def test_bad_losses_are_refused_at_construction(digits):
    def vector(params, state, batch, key, hp):
        value, state, metrics = smoothed_loss(params, state, batch, key, hp)
        return jnp.stack([value, value]), state, metrics

    def pair(params, state, batch, key, hp):
        return smoothed_loss(params, state, batch, key, hp)[:2]

    with pytest.raises(ValueError, match=r"loss must return a scalar loss, got shape \(2,\)"):
        js.Problem.from_custom_loss(init, vector, digits, hyperparams=HYPER)
    with pytest.raises(ValueError, match=r"reads hp\['dropout_rate'\].*\['label_smoothing'\]"):
        js.Problem.from_custom_loss(init, smoothed_loss, digits, hyperparams=("label_smoothing",))
    with pytest.raises(TypeError, match=r"loss must return \(loss, new_state, metrics\)"):
        js.Problem.from_custom_loss(init, pair, digits, hyperparams=HYPER)
    with pytest.raises(ValueError, match="cannot include 'seed'"):
        js.Problem.from_custom_loss(init, smoothed_loss, digits, hyperparams=("seed",))
