"""The CNN's 2x2 max-pooling against flax's ``nnx.max_pool`` (XLA's ``reduce_window``), bit for
bit: values, reverse- and forward-mode derivatives, on windows full of ties."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import jaxscape as js
from jaxscape.models import cnn
from jaxscape.models._max_pool import max_pool_2x2


def reference(x):
    return nnx.max_pool(x, window_shape=(2, 2), strides=(2, 2), padding="SAME")


def tied(shape, seed=0):
    """Values drawn from {-1, 0, 1, 2}: most windows hold a tie for their maximum."""
    return jnp.asarray(np.random.default_rng(seed).integers(-1, 3, shape).astype(np.float32))


@pytest.mark.parametrize("shape", [(3, 8, 8, 4), (2, 7, 5, 3), (1, 1, 1, 2), (2, 4, 6, 1)])
def test_values_and_gradients_equal_reduce_window_bit_for_bit(shape):
    x = tied(shape)
    weights = jnp.asarray(np.random.default_rng(1).normal(size=reference(x).shape), jnp.float32)
    np.testing.assert_array_equal(max_pool_2x2(x), reference(x))
    ours = jax.grad(lambda x: jnp.sum(max_pool_2x2(x) * weights))(x)
    theirs = jax.grad(lambda x: jnp.sum(reference(x) * weights))(x)
    np.testing.assert_array_equal(ours, theirs)
    # the gradient goes to one unit per window (the first maximum), never split among ties
    assert set(np.unique(np.asarray(ours))) <= set(np.unique(np.asarray(weights))) | {0.0}


def test_forward_mode_equals_reduce_window():
    x, t = tied((2, 6, 6, 3)), tied((2, 6, 6, 3), seed=2)
    np.testing.assert_array_equal(
        jax.jvp(max_pool_2x2, (x,), (t,))[1], jax.jvp(reference, (x,), (t,))[1]
    )


def test_infinities_and_nan():
    x = jnp.full((1, 3, 3, 1), -jnp.inf).at[0, 2, 2, 0].set(5.0)
    np.testing.assert_array_equal(max_pool_2x2(x), reference(x))
    x = tied((1, 4, 4, 1)).at[0, 1, 0, 0].set(jnp.nan)
    assert np.isnan(max_pool_2x2(x)[0, 0, 0, 0])
    np.testing.assert_array_equal(max_pool_2x2(x)[0, 1:], reference(x)[0, 1:])


def test_the_cnn_trains_as_it_did_with_nnx_max_pool(monkeypatch):
    """Loss, gradient and Hessian-vector product of the CNN on digits equal those of the same
    network pooled by ``nnx.max_pool``."""
    prob = js.Problem.from_model(js.models.CNN(width=0.25, dropout=0.0), js.data.digits())
    params, state = prob.init(jax.random.key(0))
    batch = (prob.data.train.x[:64], prob.data.train.y[:64])
    v = jax.tree.map(lambda a: jnp.ones_like(a) * 0.01, params)

    def measured():
        loss = lambda p: prob.objective(p, state, batch)[0]
        hvp = jax.jvp(jax.grad(loss), (params,), (v,))[1]
        return jax.jit(lambda p: (loss(p), jax.grad(loss)(p), hvp))(params)

    ours = measured()
    monkeypatch.setattr(cnn, "max_pool_2x2", reference)
    theirs = measured()
    for a, b in zip(jax.tree.leaves(ours), jax.tree.leaves(theirs), strict=True):
        np.testing.assert_array_equal(a, b)
