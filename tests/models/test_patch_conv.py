"""The CNN's convolution by patches against XLA's convolution (``lax.conv_general_dilated``):
values and gradients to float rounding, and the CNN built either way."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape.models._patch_conv import conv_same_patches
from jaxscape.models.cnn import PATCH_MAX_CHANNELS, uses_patches


def xla_conv(x, k):
    return jax.lax.conv_general_dilated(
        x, k, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
    )


@pytest.mark.parametrize(
    "x_shape, k_shape",
    [((2, 8, 8, 1), (5, 5, 1, 8)), ((3, 4, 4, 8), (5, 5, 8, 16)), ((1, 7, 6, 3), (4, 3, 3, 2))],
)
def test_values_and_gradients_match_xla_convolution(x_shape, k_shape):
    kx, kk, kg = jax.random.split(jax.random.key(0), 3)
    x, k = jax.random.normal(kx, x_shape), jax.random.normal(kk, k_shape)
    out = xla_conv(x, k)
    np.testing.assert_allclose(conv_same_patches(x, k), out, rtol=1e-5, atol=1e-5)
    g = jax.random.normal(kg, out.shape)
    ours = jax.grad(lambda x, k: jnp.sum(conv_same_patches(x, k) * g), argnums=(0, 1))(x, k)
    theirs = jax.grad(lambda x, k: jnp.sum(xla_conv(x, k) * g), argnums=(0, 1))(x, k)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("n", [64, 150])  # 150: three chunks of 64, the last one padded
def test_the_cnn_by_patches_equals_the_cnn_by_xla_convolutions(n):
    """Same parameters, same loss and gradient to float rounding, Hessian-vector products too;
    a batch over ``PATCH_CHUNK`` examples goes through the convolutions in chunks."""
    data = js.data.digits()
    probs = [
        js.Problem.from_model(js.models.CNN(width=0.25, dropout=0.0, conv=c), data)
        for c in ("patches", "xla")
    ]
    params, state = probs[1].init(jax.random.key(0))
    np.testing.assert_array_equal(
        jax.tree.leaves(probs[0].init(jax.random.key(0))[0])[0], jax.tree.leaves(params)[0]
    )
    batch = (data.train.x[:n], data.train.y[:n])
    v = jax.tree.map(lambda a: jnp.full_like(a, 0.01), params)

    def measured(prob):
        loss = lambda p: prob.objective(p, state, batch)[0]
        return loss(params), jax.grad(loss)(params), jax.jvp(jax.grad(loss), (params,), (v,))[1]

    ours, theirs = measured(probs[0]), measured(probs[1])
    for a, b in zip(jax.tree.leaves(ours), jax.tree.leaves(theirs), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_which_layers_compute_by_patches():
    assert uses_patches("patches", 64) and not uses_patches("xla", 1)
    on_cpu = jax.default_backend() == "cpu"
    assert uses_patches("auto", 1) == on_cpu
    assert uses_patches("auto", PATCH_MAX_CHANNELS) == on_cpu
    assert not uses_patches("auto", PATCH_MAX_CHANNELS + 1)
    with pytest.raises(ValueError, match="conv"):
        js.models.CNN(conv="im2col")
