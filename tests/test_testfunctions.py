"""Test functions: gradients against closed forms, minima against a grid and the first-order
conditions, and the Problem wrapper."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
import jaxscape.testfunctions as tf


def _grad_rosenbrock(x, y):
    return -2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)


def _grad_beale(x, y):
    t = [1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3]
    gx = sum(2 * ti * (y ** (i + 1) - 1) for i, ti in enumerate(t))
    gy = sum(2 * ti * x * (i + 1) * y**i for i, ti in enumerate(t))
    return gx, gy


def _grad_himmelblau(x, y):
    a, b = x * x + y - 11, x + y * y - 7
    return 4 * x * a + 2 * b, 2 * a + 4 * y * b


def _grad_rastrigin(x, y):
    return 2 * x + 20 * np.pi * np.sin(2 * np.pi * x), 2 * y + 20 * np.pi * np.sin(2 * np.pi * y)


CLOSED_FORMS = {
    "rosenbrock": _grad_rosenbrock,
    "beale": _grad_beale,
    "himmelblau": _grad_himmelblau,
    "saddle": lambda x, y: (2 * x, -2 * y),
    "ill_conditioned": lambda x, y: (x, 25.0 * y),
    "rastrigin": _grad_rastrigin,
}


@pytest.mark.parametrize("name", list(tf.FUNCTIONS))
def test_gradient_matches_closed_form(name):
    fn = tf.FUNCTIONS[name]()
    pts = np.random.default_rng(0).uniform(-2, 2, size=(20, 2))
    got = np.asarray(jax.vmap(jax.grad(fn.fn))(jnp.asarray(pts, jnp.float32)))
    want = np.stack(CLOSED_FORMS[name](pts[:, 0], pts[:, 1]), axis=1)
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-3)


@pytest.mark.parametrize("name", [n for n in tf.FUNCTIONS if n != "saddle"])
def test_minima_are_stationary_and_no_grid_point_is_lower(name):
    fn = tf.FUNCTIONS[name]()
    for m in fn.minima:
        gx, gy = CLOSED_FORMS[name](np.float64(m[0]), np.float64(m[1]))
        assert abs(gx) < 1e-3 and abs(gy) < 1e-3
        assert float(fn(m)) == pytest.approx(fn.minimum_value, abs=1e-6)
    (x0, x1), (y0, y1) = fn.bounds
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, 201), np.linspace(y0, y1, 201)), -1)
    values = np.asarray(fn(grid))
    assert values.min() >= fn.minimum_value - 1e-4
    assert fn.distance(grid[np.unravel_index(values.argmin(), values.shape)]) < 0.1


def test_saddle_has_no_minimum_and_distance_is_to_the_saddle_point():
    fn = tf.saddle()
    assert fn.minima == () and np.isnan(fn.minimum_value)
    assert fn.distance([3.0, 4.0]) == pytest.approx(5.0)


def test_himmelblau_distance_picks_the_nearest_minimum():
    fn = tf.himmelblau()
    assert fn.distance([[3.0, 2.1], [-2.805118, 3.031312]]) == pytest.approx([0.1, 0.1])


def test_problem_trains_with_sweep_to_the_minimum():
    prob = tf.ill_conditioned().problem()
    res = js.sweep(
        prob, js.optim.sgd, {"learning_rate": 0.07}, steps=400, progress=False, keep_params=True
    )
    # GD on (x^2 + 25 y^2)/2: x_t = (1 - lr)^t x_0, y_t = (1 - 25 lr)^t y_0
    want = np.array([-4.0 * 0.93**400, 1.0 * (1 - 25 * 0.07) ** 400])
    np.testing.assert_allclose(np.asarray(res.params)[0], want, atol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="start"):
        tf.rosenbrock().problem(start=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="condition"):
        tf.ill_conditioned(condition=0.5)
