"""Bad arguments raise errors that name the argument, before anything compiles."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js


@pytest.fixture(scope="module")
def setup(tiny_mlp):
    params, _ = tiny_mlp.init(jax.random.key(0))
    return tiny_mlp, params, js.landscape.random_direction(params, jax.random.key(1))


@pytest.mark.parametrize(
    ("alphas", "error", "match"),
    [
        ([], ValueError, "alphas is empty"),
        ([0.0, float("nan")], ValueError, "alphas must be finite"),
        ([0.0, float("inf")], ValueError, "alphas must be finite"),
        ([[0.0, 1.0]], ValueError, "alphas must be 1-D"),
        (["a", "b"], TypeError, "alphas must be a 1-D array of real numbers"),
    ],
)
def test_bad_alphas(setup, alphas, error, match):
    prob, params, d = setup
    with pytest.raises(error, match=match):
        js.landscape.line(prob, params, d, alphas)
    with pytest.raises(error, match=match):
        js.landscape.interpolate(prob, params, params, alphas)


def test_bad_grid_axes(setup):
    prob, params, d = setup
    with pytest.raises(ValueError, match="xs is empty"):
        js.landscape.plane(prob, params, d, d, [], [0.0])
    with pytest.raises(ValueError, match="ys must be finite"):
        js.landscape.plane(prob, params, d, d, [0.0], [np.nan])
    with pytest.raises(ValueError, match=r"trajectory must have shape \[T, 2\]"):
        js.landscape.plane(prob, params, d, d, [0.0], [0.0], trajectory=np.zeros((3, 3)))


def test_mismatched_pytrees(setup):
    prob, params, d = setup
    wrong = {"w": jnp.zeros(3)}
    with pytest.raises(ValueError, match="direction does not have the structure of params"):
        js.landscape.line(prob, params, wrong, [0.0])
    reshaped = jax.tree.map(lambda x: x, d.params)
    reshaped["layers"][0]["kernel"] = jnp.zeros((5, 5))
    with pytest.raises(ValueError, match=r"direction\[.layers.\]\[0\]\[.kernel.\] has shape"):
        js.landscape.line(prob, params, reshaped, [0.0])
    with pytest.raises(ValueError, match="params_b does not have the structure"):
        js.landscape.interpolate(prob, params, wrong, [0.0])
    with pytest.raises(ValueError, match="params_b does not have the structure of params_a"):
        js.landscape.target_direction(params, wrong)
    with pytest.raises(ValueError, match="dy does not have the structure"):
        js.landscape.plane(prob, params, d, wrong, [0.0], [0.0])
    with pytest.raises(ValueError, match="params does not have the structure of the problem"):
        js.landscape.line(prob, wrong, wrong, [0.0])


def test_bad_options(setup, key):
    prob, params, d = setup
    with pytest.raises(ValueError, match="normalization must be one of"):
        js.landscape.random_direction(params, key, normalization="filterwise")
    with pytest.raises(TypeError, match="key must be a JAX PRNG key"):
        js.landscape.random_direction(params, 0)
    with pytest.raises(TypeError, match="ignore_biasbn must be a bool"):
        js.landscape.random_direction(params, key, ignore_biasbn="yes")
    with pytest.raises(ValueError, match="move must be one of"):
        js.landscape.line(prob, params, d, [0.0], move="everything")
    with pytest.raises(ValueError, match="splits must be one of"):
        js.landscape.line(prob, params, d, [0.0], splits=("valid",))
    with pytest.raises(ValueError, match="points_per_chunk must be >= 1"):
        js.landscape.line(prob, params, d, [0.0], points_per_chunk=0)
    with pytest.raises(TypeError, match="batch_size must be an int"):
        js.landscape.line(prob, params, d, [0.0], batch_size=1.5)
    with pytest.raises(TypeError, match="prob must be a jaxscape Problem"):
        js.landscape.line(params, params, d, [0.0])
    with pytest.raises(ValueError, match="method must be one of"):
        js.landscape.hessian_eigenpairs(prob, params, key, method="arnoldi")
    with pytest.raises(ValueError, match="k must be at most the number of parameters"):
        js.landscape.hessian_eigenpairs(prob, params, key, k=10_000)
    with pytest.raises(ValueError, match="num_samples must be >= 2"):
        js.landscape.hessian_trace(prob, params, key, num_samples=1)


def test_zero_directions_and_short_trajectories(key):
    with pytest.raises(ValueError, match="pass ignore_biasbn=False"):
        js.landscape.random_direction({"w": jnp.ones(3)}, key)
    with pytest.raises(ValueError, match="use normalization='none'"):
        js.landscape.random_direction({"w": jnp.zeros((3, 2))}, key)
    with pytest.raises(ValueError, match="against is the zero direction"):
        js.landscape.orthogonalize({"w": jnp.ones(2)}, {"w": jnp.zeros(2)})
    with pytest.raises(ValueError, match="at least 3 saved points"):
        js.landscape.trajectory_pca([{"w": jnp.ones(2)}, {"w": jnp.zeros(2)}])
    with pytest.raises(ValueError, match="share a leading"):
        js.landscape.trajectory_pca({"a": jnp.ones((3, 2)), "b": jnp.ones((4, 2))})


def test_problem_without_a_test_split(key):
    data = js.data.from_arrays(np.ones((8, 2), np.float32), np.arange(8) % 2)
    prob = js.Problem.from_model(js.models.LogisticRegression(), data)
    params, _ = prob.init(key)
    d = js.landscape.random_direction(params, key)
    res = js.landscape.line(prob, params, d, [0.0, 1.0], progress=False)
    assert list(res.metrics) == ["train_loss", "train_accuracy"]
    with pytest.raises(ValueError, match="splits asks for 'test'"):
        js.landscape.line(prob, params, d, [0.0], splits=("test",))
