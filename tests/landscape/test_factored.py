"""The first-layer factorisation X(w + a d) = Xw + a Xd equals the generic path and a loop."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from landscape_helpers import axpy, loop_metrics, trained_bn_state

import jaxscape as js

TOL = dict(rtol=2e-5, atol=2e-6)


class TinyConv(nnx.Module):
    """conv 3x3 (1 -> 3 channels) on 6x6 images, then dense: a conv first layer."""

    def __init__(self, rngs):
        self.conv = nnx.Conv(1, 3, kernel_size=(3, 3), padding="SAME", rngs=rngs)
        self.out = nnx.Linear(6 * 6 * 3, 4, rngs=rngs)

    def __call__(self, x):
        h = nnx.relu(self.conv(x))
        return self.out(h.reshape(h.shape[0], -1))


class Elementwise(nnx.Module):
    """x * scale before any dense layer: nothing to factor at the input."""

    def __init__(self, rngs):
        self.scale = nnx.Param(jnp.ones((5,)))
        self.out = nnx.Linear(5, 3, rngs=rngs)

    def __call__(self, x):
        return self.out(x * self.scale)


@pytest.fixture(scope="module")
def conv_problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 6, 6, 1)).astype(np.float32)
    y = rng.integers(0, 4, size=50)
    data = js.data.from_arrays(x[:40], y[:40], x_test=x[40:], y_test=y[40:])
    return js.Problem.from_model(lambda rngs: TinyConv(rngs), data)


def _both(prob, run):
    generic, fast = run(factored=False), run(factored=True)
    assert fast.metadata["factored"] and not generic.metadata["factored"]
    for k in generic.metrics:
        np.testing.assert_allclose(fast.metrics[k], generic.metrics[k], **TOL, err_msg=k)
    return fast


def test_conv_first_layer_plane_equals_generic_and_loop(conv_problem, key):
    prob = conv_problem
    params, state = prob.init(key)
    dx = js.landscape.random_direction(params, jax.random.key(1))
    dy = js.landscape.random_direction(params, jax.random.key(2))
    xs, ys = np.array([-1.0, 0.0, 2.0]), np.array([-0.5, 0.5])
    fast = _both(
        prob,
        lambda **kw: js.landscape.plane(
            prob, params, dx, dy, xs, ys, batch_size=16, progress=False, **kw
        ),
    )
    for i, y in enumerate(ys):
        points = [axpy(axpy(params, dx.params, x), dy.params, y) for x in xs]
        ref = loop_metrics(prob, points, [state] * len(xs))
        np.testing.assert_allclose(fast.metrics["train_loss"][i], ref["train_loss"], **TOL)


def test_interpolation_with_moving_batch_statistics(bn_problem):
    a, s0 = bn_problem.init(jax.random.key(0))
    b, _ = bn_problem.init(jax.random.key(1))
    sa, sb = trained_bn_state(bn_problem, a, s0, 2), trained_bn_state(bn_problem, b, s0, 3)
    alphas = np.array([0.0, 0.3, 1.0])
    fast = _both(
        bn_problem,
        lambda **kw: js.landscape.interpolate(
            bn_problem, a, b, alphas, state_a=sa, state_b=sb, move="all", progress=False, **kw
        ),
    )
    lerp = lambda x, y, t: jax.tree.map(lambda u, v: (1 - t) * u + t * v, x, y)
    ref = loop_metrics(
        bn_problem, [lerp(a, b, t) for t in alphas], [lerp(sa, sb, t) for t in alphas]
    )
    np.testing.assert_allclose(fast.metrics["test_loss"], ref["test_loss"], **TOL)


def test_models_without_a_factorable_input_layer(tiny_data, key):
    prob = js.Problem.from_model(lambda rngs: Elementwise(rngs), tiny_data)
    params, _ = prob.init(key)
    d = js.landscape.random_direction(params, key)
    res = js.landscape.line(prob, params, d, [0.0, 1.0], progress=False)
    assert res.metadata["factored"] is False
    with pytest.raises(ValueError, match="factored=True, but the model has no dense or conv"):
        js.landscape.line(prob, params, d, [0.0], factored=True, progress=False)
    quad = js.Problem.from_loss(lambda p: jnp.sum(p["w"] ** 2), {"w": jnp.ones((2, 2))})
    with pytest.raises(ValueError, match="factored=True"):
        js.landscape.line(
            quad, {"w": jnp.ones((2, 2))}, {"w": jnp.ones((2, 2))}, [0.0], factored=True
        )
    with pytest.raises(TypeError, match="factored must be None, True or False"):
        js.landscape.line(prob, params, d, [0.0], factored="yes")
