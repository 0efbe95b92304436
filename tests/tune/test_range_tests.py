"""Range tests against closed forms: the cliff of gradient descent at 2/L, the optimal momentum
of a quadratic, an exact ramp trajectory; and against a direct sweep of the same runs."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxscape as js
from jaxscape.tune.range_tests.smoothing import ema


@pytest.fixture(scope="module")
def least_squares():
    """0.5 * mean((X w - y)^2), full batch: the Hessian is X^T X / n, its top eigenvalue L."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 10)) * np.linspace(0.2, 2.0, 10)
    y = x @ rng.normal(size=10) + 0.1 * rng.normal(size=200)
    big_l = float(np.linalg.eigvalsh(x.T @ x / 200).max())
    xj, yj = jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.float32)
    prob = js.Problem.from_loss(lambda w: 0.5 * jnp.mean((xj @ w - yj) ** 2), jnp.zeros(10))
    return prob, big_l


def test_parallel_divergence_point_is_2_over_L(least_squares):
    prob, big_l = least_squares
    crit = 2.0 / big_l
    rates = crit * np.geomspace(0.25, 2.0, 49)  # 1.5% apart
    res = js.tune.lr_range_test(prob, learning_rates=rates, steps=300, progress=False)
    assert crit < res.divergence <= 1.1 * crit
    assert not res.failed[rates < 0.97 * crit].any()
    assert res.failed[rates > 1.1 * crit].all()
    assert res.suggestion < crit and res.band.hi < crit


def test_ramp_divergence_point_lags_2_over_L_by_the_smoothing(least_squares):
    prob, big_l = least_squares
    crit = 2.0 / big_l
    kw = dict(mode="ramp", min_lr=1e-3 * crit, max_lr=10 * crit, progress=False)
    slow = js.tune.lr_range_test(prob, num=400, **kw)
    fast = js.tune.lr_range_test(prob, num=100, **kw)
    # The ramp cannot stop before the rate passes 2/L; it stops later the faster it climbs
    # (the EMA with beta 0.98 remembers ~50 steps): a confound the parallel test avoids.
    assert crit <= slow.divergence <= 3 * crit
    assert fast.divergence > slow.divergence
    np.testing.assert_allclose(slow.smoothed, ema(slow.losses, 0.98))
    assert slow.stop is not None and slow.values[slow.stop] == slow.divergence


def test_ramp_follows_its_schedule_exactly():
    # f = 0.5 |w|^2 (L = 1) from w = 1: w_{t+1} = (1 - lr_t) w_t, so the loss before step t is
    # 0.5 * 6 * prod_{i<t} (1 - lr_i)^2, with lr_i = a (b/a)^(i / (n - 1)).
    prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w**2), jnp.ones((3, 2)))
    a, b, n = 1e-3, 0.5, 20
    res = js.tune.lr_range_test(prob, mode="ramp", min_lr=a, max_lr=b, num=n, progress=False)
    lrs = a * (b / a) ** (np.arange(n) / (n - 1))
    np.testing.assert_allclose(res.values, lrs, rtol=1e-5)
    expected = 3.0 * np.concatenate([[1.0], np.cumprod((1 - lrs[:-1]) ** 2)])
    np.testing.assert_allclose(res.losses, expected, rtol=1e-5)
    lin = js.tune.lr_range_test(
        prob, ramp=js.tune.Ramp(shape="linear"), min_lr=0.0, max_lr=b, num=n, progress=False
    )
    np.testing.assert_allclose(lin.values, np.linspace(0, b, n), atol=1e-7)


def test_a_second_ramp_in_a_process_compiles_nothing(compiled_names):
    # The ramp's schedule is a value (RampSchedule), not a closure built per call, so the same
    # ramp run again keys the same programs: it compiles nothing and follows the closed form
    # of the test above.
    prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w**2), jnp.ones((3, 2)))
    a, b, n = 2e-3, 0.4, 20
    kw = dict(mode="ramp", min_lr=a, max_lr=b, num=n, progress=False)
    js.tune.lr_range_test(prob, **kw)
    compiled_names.clear()
    res = js.tune.lr_range_test(prob, **kw)
    assert compiled_names == []
    lrs = a * (b / a) ** (np.arange(n) / (n - 1))
    expected = 3.0 * np.concatenate([[1.0], np.cumprod((1 - lrs[:-1]) ** 2)])
    np.testing.assert_allclose(res.losses, expected, rtol=1e-5)


def test_epoch_ramp_holds_the_rate_for_an_epoch(small_mlp_problem):
    res = js.tune.lr_range_test(
        small_mlp_problem,
        mode="ramp",
        every="epoch",
        num=6,
        max_lr=1.0,
        min_lr=1e-3,
        progress=False,
    )
    spe = small_mlp_problem.steps_per_epoch(64)
    assert res.steps.tolist() == [spe * (i + 1) for i in range(6)]
    np.testing.assert_allclose(res.values, np.geomspace(1e-3, 1.0, 6), rtol=1e-5)
    np.testing.assert_allclose(res.smoothed, res.losses)  # per-epoch ramps are not smoothed
    assert res.losses[-1] < res.losses[0]


def test_parallel_test_equals_a_direct_sweep_and_applies_its_stated_rule(small_mlp_problem):
    prob = small_mlp_problem
    rates = np.geomspace(1e-3, 10, 13)
    res = js.tune.lr_range_test(prob, learning_rates=rates, steps=60, progress=False)
    direct = js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": rates},
        steps=60,
        batch_size=64,
        eval_every=6,
        progress=False,
    )
    acc = direct.final("val_accuracy")
    assert res.metric == "val_accuracy" and "test_accuracy" not in res.curves
    np.testing.assert_allclose(res.final("val_accuracy"), acc)
    # The rule by hand: best finished run, the contiguous run within 0.02, its log-centre.
    ok = ~res.failed
    best = int(np.nanargmax(np.where(ok, acc, -1)))
    lo = hi = best
    while lo > 0 and ok[lo - 1] and acc[lo - 1] >= acc[best] - 0.02:
        lo -= 1
    while hi < rates.size - 1 and ok[hi + 1] and acc[hi + 1] >= acc[best] - 0.02:
        hi += 1
    centre = 0.5 * (np.log(rates[lo]) + np.log(rates[hi]))
    pick = lo + int(np.argmin(np.abs(np.log(rates[lo : hi + 1]) - centre)))
    assert res.suggestion == pytest.approx(rates[pick])
    assert (res.band.lo, res.band.hi) == (pytest.approx(rates[lo]), pytest.approx(rates[hi]))
    # the divergence point: the first failed rate above the best (here the collapse to chance)
    assert res.divergence is not None and res.divergence > res.band.hi
    assert res.failed[rates >= res.divergence].any()


def test_momentum_test_finds_the_critically_damped_momentum():
    # Heavy ball on a quadratic of curvature h converges fastest at m = (1 - sqrt(lr h))^2;
    # here lr = 0.1, h = 1: m* = 0.468.
    prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w**2), jnp.ones((3, 2)))
    momenta = np.linspace(0.0, 0.9, 19)
    res = js.tune.momentum_range_test(prob, 0.1, momenta=momenta, steps=60, progress=False)
    assert res.metric == "train_loss"
    assert 0.35 <= res.band.best <= 0.6


def test_momentum_ramp_and_defaults():
    prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w**2), jnp.ones((3, 2)))
    ramp = js.tune.momentum_range_test(prob, 0.05, mode="ramp", num=30, progress=False)
    np.testing.assert_allclose(ramp.values, np.linspace(0.0, 0.99, 30), rtol=1e-5)
    assert set(ramp.suggestions) == {"valley", "slide", "steepest"}
    geo = js.tune.momentum_range_test(
        prob, 0.05, mode="ramp", shape="exponential", num=30, spacing="log", progress=False
    )
    np.testing.assert_allclose(1 / (1 - geo.values), np.geomspace(1, 100, 30), rtol=1e-4)
    assert 0.0 <= geo.suggestions["steepest"] < 1.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"mode": "grid"}, ValueError, "mode"),
        ({"min_lr": -1.0}, ValueError, "min_lr"),
        ({"learning_rates": [0.1, 0.01]}, ValueError, "increasing"),
        ({"learning_rates": [0.0, 0.1]}, ValueError, "learning_rates"),
        ({"hyperparams": {"learning_rate": 0.1}}, ValueError, "hyperparams"),
        ({"num": 1}, ValueError, "num"),
        ({"mode": "ramp", "num": 3}, ValueError, "num"),
        ({"mode": "ramp", "rule": "median"}, ValueError, "rule"),
        ({"mode": "ramp", "spacing": "lr"}, ValueError, "spacing"),
        ({"metric": "test_f1"}, ValueError, "metric"),
        ({"metric": "test_accuracy"}, ValueError, "scored on validation, never test"),
        ({"batch_size": 100000}, ValueError, "batch_size"),
        ({"optimizer": optax.identity}, TypeError, "learning_rate"),
    ],
)
def test_bad_arguments_fail_before_compiling(small_mlp_problem, kwargs, error, match):
    with pytest.raises(error, match=match):
        js.tune.lr_range_test(small_mlp_problem, progress=False, **kwargs)


def test_bad_momentum_arguments():
    prob = js.Problem.from_loss(lambda w: jnp.sum(w**2), jnp.ones((2, 2)))
    with pytest.raises(ValueError, match="learning_rate"):
        js.tune.momentum_range_test(prob, 0.0)
    with pytest.raises(ValueError, match="momenta"):
        js.tune.momentum_range_test(prob, 0.1, momenta=[0.0, 1.0])
    with pytest.raises(ValueError, match="rule"):
        js.tune.momentum_range_test(prob, 0.1, mode="ramp", rule="minimum")
    with pytest.raises(ValueError, match="hyperparams"):
        js.tune.momentum_range_test(prob, 0.1, hyperparams={"momentum": 0.5})
