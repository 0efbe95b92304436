"""Models with batch statistics: move="params" keeps them at the centre, move="all" moves them."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from landscape_helpers import axpy, loop_metrics, trained_bn_state

import jaxscape as js

TOL = dict(rtol=2e-5, atol=2e-6)


@pytest.fixture(scope="module")
def two_models(bn_problem):
    a, s0 = bn_problem.init(jax.random.key(0))
    b, _ = bn_problem.init(jax.random.key(1))
    sa = trained_bn_state(bn_problem, a, s0, steps=2)
    sb = trained_bn_state(bn_problem, b, s0, steps=3)
    assert not np.allclose(sa["bn"]["mean"], sb["bn"]["mean"])
    return a, b, sa, sb


def test_params_mode_keeps_the_centre_statistics(bn_problem, two_models):
    a, b, sa, sb = two_models
    alphas = np.array([0.0, 0.5, 1.0])
    res = js.landscape.interpolate(bn_problem, a, b, alphas, state_a=sa, state_b=sb, progress=False)
    points = [jax.tree.map(lambda u, v, t=t: (1 - t) * u + t * v, a, b) for t in alphas]
    ref = loop_metrics(bn_problem, points, [sa] * 3)
    for name, values in ref.items():
        np.testing.assert_allclose(res.metrics[name], values, **TOL, err_msg=name)


def test_all_mode_interpolates_the_statistics(bn_problem, two_models):
    a, b, sa, sb = two_models
    alphas = np.array([0.0, 0.5, 1.0, 1.25])
    res = js.landscape.interpolate(
        bn_problem, a, b, alphas, state_a=sa, state_b=sb, move="all", progress=False
    )
    lerp = lambda x, y, t: jax.tree.map(lambda u, v: (1 - t) * u + t * v, x, y)
    ref = loop_metrics(
        bn_problem, [lerp(a, b, t) for t in alphas], [lerp(sa, sb, t) for t in alphas]
    )
    for name, values in ref.items():
        np.testing.assert_allclose(res.metrics[name], values, **TOL, err_msg=name)
    params_only = js.landscape.interpolate(
        bn_problem, a, b, alphas, state_a=sa, state_b=sb, progress=False
    )
    # same start, different end: at alpha = 1 only "all" evaluates model b with its own stats
    assert res.metrics["train_loss"][0] == pytest.approx(params_only.metrics["train_loss"][0])
    assert abs(res.metrics["train_loss"][2] - params_only.metrics["train_loss"][2]) > 1e-4


def test_random_direction_with_a_state_part(bn_problem, two_models):
    a, _, sa, _ = two_models
    d = js.landscape.random_direction(a, jax.random.key(4), ignore_biasbn=False, state=sa)
    np.testing.assert_array_equal(d.state["bn"]["var"], sa["bn"]["var"])  # copies, as Li et al.
    alphas = np.array([-0.5, 0.5])
    res = js.landscape.line(bn_problem, a, d, alphas, state=sa, move="all", progress=False)
    ref = loop_metrics(
        bn_problem, [axpy(a, d.params, t) for t in alphas], [axpy(sa, d.state, t) for t in alphas]
    )
    for name, values in ref.items():
        np.testing.assert_allclose(res.metrics[name], values, **TOL, err_msg=name)
    fixed = js.landscape.line(bn_problem, a, d, alphas, state=sa, progress=False)
    ref_fixed = loop_metrics(bn_problem, [axpy(a, d.params, t) for t in alphas], [sa, sa])
    np.testing.assert_allclose(fixed.metrics["test_loss"], ref_fixed["test_loss"], **TOL)


def test_state_is_required_for_batch_statistics(bn_problem, two_models):
    a, b, sa, _ = two_models
    d = js.landscape.random_direction(a, jax.random.key(4))
    with pytest.raises(ValueError, match="state is required"):
        js.landscape.line(bn_problem, a, d, [0.0], progress=False)
    with pytest.raises(ValueError, match="state_b is required"):
        js.landscape.interpolate(bn_problem, a, b, [0.0], state_a=sa, move="all")
    with pytest.raises(ValueError, match="direction has no state part"):
        js.landscape.line(bn_problem, a, d, [0.0], state=sa, move="all")
