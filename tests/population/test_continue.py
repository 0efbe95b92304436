"""Continuing trials from where they stopped (``keep_state`` / ``start``)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape.population.programs import compile_count


@pytest.fixture(scope="module")
def mlp():
    return js.Problem.from_model(js.models.MLP(hidden=(16,)), js.data.digits())


TABLE = {"learning_rate": [0.05, 0.2, 0.5, 1.0], "momentum": 0.9}
KW = {"eval_every": 10, "batch_size": 32, "progress": False, "chunk_size": 4}


def test_continuing_every_trial_is_bitwise_the_uninterrupted_run(mlp):
    full = js.sweep(mlp, js.optim.sgd, TABLE, steps=40, keep_params=True, **KW)
    half = js.sweep(mlp, js.optim.sgd, TABLE, steps=20, keep_state=True, **KW)
    assert half.state.step == 20 and half.state.n == 4
    rest = js.sweep(mlp, js.optim.sgd, TABLE, steps=20, start=half.state, keep_params=True, **KW)
    assert rest.steps.tolist() == [30, 40]
    for k, v in full.metrics.items():
        np.testing.assert_array_equal(rest.metrics[k], v[:, 2:], err_msg=k)
    for a, b in zip(jax.tree.leaves(full.params), jax.tree.leaves(rest.params), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(rest.diverged, full.diverged)


def test_survivors_continue_from_their_own_state(mlp):
    full = js.sweep(mlp, js.optim.sgd, TABLE, steps=40, keep_params=True, **KW)
    half = js.sweep(mlp, js.optim.sgd, TABLE, steps=20, keep_state=True, **KW)
    rows = [3, 1]
    sub = {"learning_rate": np.asarray(TABLE["learning_rate"])[rows], "momentum": 0.9}
    rest = js.sweep(
        mlp, js.optim.sgd, sub, steps=20, start=half.state.take(rows), keep_params=True, **KW
    )
    # same parameters and training curves; held-out means may differ by float rounding only
    for a, b in zip(jax.tree.leaves(full.params), jax.tree.leaves(rest.params), strict=True):
        np.testing.assert_allclose(np.asarray(a)[rows], b, rtol=1e-6, atol=1e-7)
    for k, v in full.metrics.items():
        np.testing.assert_allclose(rest.metrics[k], v[rows, 2:], rtol=1e-5, err_msg=k)


def test_new_hyperparameter_values_take_effect_from_the_continued_step():
    # f(p) = 0.5 |p|^2, full batch: p_t = p_0 (1 - a)^5 (1 - b)^5 after 5 steps at a, 5 at b
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(2))
    kw = {"progress": False, "eval_every": 1}
    first = js.sweep(
        prob, js.optim.sgd, {"learning_rate": [0.1, 0.3]}, steps=5, keep_state=True, **kw
    )
    swapped = first.state.take([1, 0, 1])
    rest = js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": [0.5, 0.2, 0.05]},
        steps=5,
        start=swapped,
        keep_params=True,
        **kw,
    )
    a, b = np.array([0.3, 0.1, 0.3]), np.array([0.5, 0.2, 0.05])
    want = (1 - a) ** 5 * (1 - b) ** 5
    np.testing.assert_allclose(np.asarray(rest.params)[:, 0], want, rtol=1e-5)
    np.testing.assert_array_equal(rest.steps, np.arange(6, 11))


def test_continued_runs_share_their_compiled_program():
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(2))
    kw = {"progress": False, "eval_every": 5}
    state = js.sweep(
        prob, js.optim.sgd, {"learning_rate": [0.1, 0.3]}, steps=5, keep_state=True, **kw
    ).state
    compiles = []
    for lr in ([0.2, 0.4], [0.25, 0.05], [0.3, 0.3]):
        before = compile_count()
        state = js.sweep(
            prob, js.optim.sgd, {"learning_rate": lr}, steps=5, start=state, keep_state=True, **kw
        ).state
        compiles.append(compile_count() - before)
    # the first continued run compiles the gather of its start's rows; nothing after it
    assert compiles[1:] == [0, 0]
    assert state.step == 20


def test_bad_starts_are_refused_before_compiling():
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(2))
    res = js.sweep(
        prob, js.optim.sgd, {"learning_rate": [0.1, 0.3]}, steps=2, keep_state=True, progress=False
    )
    with pytest.raises(TypeError, match="start must be a PopulationState"):
        js.sweep(prob, js.optim.sgd, {"learning_rate": [0.1, 0.3]}, steps=2, start=res)
    with pytest.raises(ValueError, match="start holds 2 trials but the table has 3"):
        js.sweep(prob, js.optim.sgd, {"learning_rate": [0.1, 0.2, 0.3]}, steps=2, start=res.state)
    with pytest.raises(ValueError, match="seeds differ"):
        js.sweep(
            prob,
            js.optim.sgd,
            {"learning_rate": [0.1, 0.3], "seed": [4, 5]},
            steps=2,
            start=res.state,
        )
    with pytest.raises(ValueError, match="same columns"):
        js.sweep(
            prob,
            js.optim.sgd,
            {"learning_rate": [0.1, 0.3], "momentum": 0.5},
            steps=2,
            start=res.state,
        )
    with pytest.raises(ValueError, match="checkpoint cannot be combined"):
        js.sweep(
            prob,
            js.optim.sgd,
            {"learning_rate": [0.1, 0.3]},
            steps=2,
            start=res.state,
            checkpoint="x.npz",
        )
    with pytest.raises(ValueError, match="rows must be"):
        res.state.take([2])
