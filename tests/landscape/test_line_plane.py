"""Lines, interpolations and planes equal a direct Python loop over their points."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from landscape_helpers import axpy, loop_metrics

import jaxscape as js

TOL = dict(rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("factored", [False, None])
def test_line_equals_a_loop_over_points(tiny_mlp, key, factored):
    params, state = tiny_mlp.init(key)
    d = js.landscape.random_direction(params, jax.random.key(1))
    alphas = np.linspace(-2.0, 2.0, 13)
    # batch_size 32 does not divide 90 or 30 rows (remainder batches); 5 points per chunk
    # leaves a padded last chunk.
    res = js.landscape.line(
        tiny_mlp,
        params,
        d,
        alphas,
        batch_size=32,
        points_per_chunk=5,
        progress=False,
        factored=factored,
    )
    assert res.metadata["factored"] is (factored is None)
    ref = loop_metrics(tiny_mlp, [axpy(params, d.params, a) for a in alphas], [state] * 13)
    assert list(res.metrics) == ["train_loss", "train_accuracy", "test_loss", "test_accuracy"]
    for name, values in ref.items():
        np.testing.assert_allclose(res.metrics[name], values, **TOL, err_msg=name)
    np.testing.assert_array_equal(res.alphas, alphas)
    assert res.metadata["chunks"] == 3 and res.metadata["direction"] == "random"
    assert res.metadata["normalization"] == "filter"


def test_interpolation_equals_a_loop_and_hits_both_ends(tiny_mlp):
    a, state = tiny_mlp.init(jax.random.key(0))
    b, _ = tiny_mlp.init(jax.random.key(1))
    alphas = np.array([-0.5, 0.0, 0.25, 0.5, 1.0, 1.5])
    res = js.landscape.interpolate(tiny_mlp, a, b, alphas, batch_size=64, progress=False)
    points = [jax.tree.map(lambda u, v, t=t: (1 - t) * u + t * v, a, b) for t in alphas]
    ref = loop_metrics(tiny_mlp, points, [state] * len(alphas))
    for name, values in ref.items():
        np.testing.assert_allclose(res.metrics[name], values, **TOL, err_msg=name)
    ends = loop_metrics(tiny_mlp, [a, b], [state, state])
    np.testing.assert_allclose(res.metrics["train_loss"][1], ends["train_loss"][0], rtol=1e-6)
    np.testing.assert_allclose(res.metrics["train_loss"][4], ends["train_loss"][1], rtol=1e-6)
    assert res.metadata["endpoints"] == [0.0, 1.0]
    assert res.value_at(1.0, "test_loss") == res.metrics["test_loss"][4]


def test_plane_equals_a_loop_over_the_grid(tiny_mlp, key):
    params, state = tiny_mlp.init(key)
    dx = js.landscape.random_direction(params, jax.random.key(1))
    dy = js.landscape.random_direction(params, jax.random.key(2), orthogonal_to=dx)
    xs, ys = np.linspace(-1, 1, 4), np.linspace(-0.5, 1.5, 3)  # non-square on purpose
    surf = js.landscape.plane(
        tiny_mlp, params, dx, dy, xs, ys, splits=("test",), points_per_chunk=5, progress=False
    )
    assert set(surf.metrics) == {"test_loss", "test_accuracy"}
    for i, y in enumerate(ys):
        points = [axpy(axpy(params, dx.params, x), dy.params, y) for x in xs]
        ref = loop_metrics(tiny_mlp, points, [state] * len(xs), splits=("test",))
        np.testing.assert_allclose(surf.metrics["test_loss"][i], ref["test_loss"], **TOL)
    x, y, v = surf.minimum("test_loss")
    assert v == surf.metrics["test_loss"].min()
    assert surf.metrics["test_loss"][list(ys).index(y), list(xs).index(x)] == v


def test_full_batch_problem_matches_the_closed_form():
    """A quadratic ``sum((w - c)^2)``: along ``w0 + a d`` the loss is a parabola in ``a``."""
    c = jnp.array([1.0, -2.0, 0.5])
    prob = js.Problem.from_loss(lambda p: jnp.sum((p["w"] - c) ** 2), {"w": jnp.zeros(3)})
    w0, d = np.array([0.5, 0.5, 0.5]), np.array([1.0, 2.0, -1.0])
    alphas = np.linspace(-3, 3, 7)
    res = js.landscape.line(
        prob, {"w": jnp.asarray(w0, jnp.float32)}, {"w": jnp.asarray(d)}, alphas, progress=False
    )
    expected = [np.sum((w0 + a * d - np.asarray(c)) ** 2) for a in alphas]
    assert list(res.metrics) == ["train_loss"]
    np.testing.assert_allclose(res.metrics["train_loss"], expected, rtol=1e-6)
    assert res.minimum() == (float(alphas[np.argmin(expected)]), res.metrics["train_loss"].min())
