"""The generic range test over any numeric hyperparameter, against closed forms and a direct
NumPy loop; the learning-rate and momentum tests are its presets."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape.tune.range_tests._scheduled_momentum import sgd_momentum_schedule


def _quadratic():
    return js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w**2), jnp.ones((3, 2)))


def test_parallel_weight_decay_test_follows_the_closed_form():
    # SGD with weight decay wd (torch: g + wd w) on 0.5 |w|^2 from w = 1 (6 entries):
    # w_t = (1 - lr (1 + wd))^t, and the record at step 10 is the loss before the 10th update.
    lr, wds = 0.1, np.geomspace(1e-2, 1.0, 5)
    res = js.tune.range_test(
        _quadratic(),
        "weight_decay",
        bounds=(1e-2, 1.0),
        num=5,
        hyperparams={"learning_rate": lr},
        steps=10,
        progress=False,
    )
    assert res.param == "weight_decay" and res.mode == "parallel"
    np.testing.assert_allclose(res.values, wds)
    expected = 3.0 * (1.0 - lr * (1.0 + wds)) ** 18
    np.testing.assert_allclose(res.final("train_loss"), expected, rtol=1e-5)
    # a loss: the best value is the largest decay, the one shrinking w fastest
    assert res.band.best == pytest.approx(wds[-1])


def test_momentum_ramp_through_the_generic_test_matches_a_heavy_ball_loop():
    lr, n = 0.05, 20
    res = js.tune.range_test(
        _quadratic(),
        "momentum",
        bounds=(0.0, 0.9),
        num=n,
        mode="ramp",
        optimizer=sgd_momentum_schedule,
        scale="momentum",
        rules=("valley", "steepest"),
        hyperparams={"learning_rate": lr},
        progress=False,
    )
    mus = 1.0 - np.geomspace(1.0, 0.1, n)  # exponential on the momentum scale
    np.testing.assert_allclose(res.values, mus, rtol=1e-5, atol=1e-7)
    w, buf, losses = np.ones(6), np.zeros(6), []
    for t in range(n):  # torch's heavy ball: b_1 = g_1, b_t = mu_t b_{t-1} + g_t
        losses.append(0.5 * np.sum(w**2))
        buf = w.copy() if t == 0 else mus[t] * buf + w
        w = w - lr * buf
    np.testing.assert_allclose(res.losses, losses, rtol=1e-4)
    assert set(res.suggestions) == {"valley", "steepest"}


def test_a_linear_scale_grid_is_evenly_spaced():
    res = js.tune.range_test(
        _quadratic(),
        "learning_rate",
        bounds=(0.1, 0.5),
        num=5,
        scale="linear",
        steps=5,
        progress=False,
    )
    np.testing.assert_allclose(res.values, [0.1, 0.2, 0.3, 0.4, 0.5])
    np.testing.assert_allclose(res.final("train_loss"), 3.0 * (1 - res.values) ** 8, rtol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"param": "betas"}, TypeError, "betas"),
        ({"scale": "cubic"}, ValueError, "scale"),
        ({"bounds": None}, ValueError, "bounds"),
        ({"bounds": (1.0, 0.1)}, ValueError, "low < high"),
        ({"bounds": (0.0, 1.0)}, ValueError, "bounds"),  # 0 is off the log scale
        ({"mode": "ramp", "values": [0.1, 1.0]}, ValueError, "values"),
        ({"mode": "ramp", "rules": ("median",)}, ValueError, "rules"),
        ({"values": [0.1, 0.1]}, ValueError, "increasing"),
    ],
)
def test_bad_arguments_fail_before_compiling(kwargs, error, match):
    args = {"param": "learning_rate", "bounds": (1e-3, 1.0), **kwargs}
    with pytest.raises(error, match=match):
        js.tune.range_test(_quadratic(), progress=False, **args)


def test_options_are_objects_with_checked_shortcuts():
    """Objects and keyword shortcuts give the same test; an unknown keyword, a ramp option in
    the parallel mode or a training field the procedures would ignore is refused by name."""
    prob = _quadratic()
    a = js.tune.lr_range_test(prob, num=5, steps=10, progress=False)
    b = js.tune.lr_range_test(
        prob, num=5, training=js.Training(steps=10, batch_size=64, progress=False)
    )
    np.testing.assert_array_equal(a.final("train_loss"), b.final("train_loss"))
    with pytest.raises(TypeError, match="stepz"):
        js.tune.lr_range_test(prob, stepz=10)
    with pytest.raises(ValueError, match="options of a ramp"):
        js.tune.lr_range_test(prob, rule="slide")
    with pytest.raises(ValueError, match="eval_every"):
        js.tune.lr_range_test(prob, training=js.Training(steps=10, eval_every=2))
    with pytest.raises(ValueError, match="diverge_factor"):
        js.tune.lr_range_test(prob, judging=js.Judging(diverge_factor=10.0))
    with pytest.raises(TypeError, match="Ramp"):
        js.tune.lr_range_test(prob, ramp="linear")
    with pytest.raises(ValueError, match="never test"):
        js.tune.confirm_momentum(prob, 0.1, 0.9, judging=js.Judging(metric="test_loss"))
