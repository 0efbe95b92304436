"""The quadratic's regimes from the numbers (closed form ``(1 - lr L)^t x0``), and races: each
trial of the one-population race follows its own optimizer (a direct loop per optimizer)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
import torch

import jaxscape.optim as jo
import jaxscape.testfunctions as tf
from jaxscape.study import classify_regime, quadratic_regimes, race
from jaxscape.study._switch import one_of


def test_quadratic_regimes_follow_the_closed_form_and_are_named_from_numbers():
    L = 4.0
    rates = np.array([0.1, 0.25, 0.4, 0.55])  # 0.4/L, 1/L, 1.6/L, 2.2/L
    q = quadratic_regimes(L, rates, steps=10, x0=2.0)
    want = 2.0 * (1 - rates[:, None] * L) ** np.arange(11)
    np.testing.assert_allclose(q.paths, want, rtol=1e-5, atol=1e-6)
    assert q.regimes == ("slow", "one_step", "oscillating", "diverging")


@pytest.mark.parametrize(
    "factor, regime", [(0.5, "slow"), (1.0, "one_step"), (1.9, "oscillating"), (2.05, "diverging")]
)
def test_classify_regime_on_closed_form_paths(factor, regime):
    path = (1 - factor) ** np.arange(60)
    assert classify_regime(path) == regime


def _torch_path(opt_cls, kwargs, fn, start, steps):
    p = torch.tensor(start, dtype=torch.float32, requires_grad=True)
    opt = opt_cls([p], **kwargs)
    out = [p.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        x, y = p[0], p[1]
        fn(x, y).backward()
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


def test_race_trials_follow_their_own_optimizer_like_torch():
    fn = tf.rosenbrock()
    rates = {"SGD": [1e-3], "Momentum": [5e-4], "Adam": [0.05, 0.1], "RMSprop": [0.01]}
    res = race(fn, rates, steps=30)
    ref = {
        ("SGD", 1e-3): (torch.optim.SGD, {"lr": 1e-3}),
        ("Momentum", 5e-4): (torch.optim.SGD, {"lr": 5e-4, "momentum": 0.9}),
        ("Adam", 0.05): (torch.optim.Adam, {"lr": 0.05}),
        ("Adam", 0.1): (torch.optim.Adam, {"lr": 0.1}),
        ("RMSprop", 0.01): (torch.optim.RMSprop, {"lr": 0.01}),
    }

    def rosen(x, y):
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2

    for i, (name, lr) in enumerate(zip(res.optimizer, res.learning_rate, strict=True)):
        cls, kw = ref[(str(name), float(lr))]
        want = _torch_path(cls, kw, rosen, fn.start, 30)
        np.testing.assert_allclose(res.paths[i], want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(res.distance[:, 0], np.hypot(-1.2 - 1, 1.0 - 1))
    assert res.paths.shape == (5, 31, 2) and res.loss.shape == (5, 31)


def test_saddle_escape_and_bad_names():
    res = race(tf.saddle(), {"SGD": [0.1], "Adam": [0.1]}, steps=40)
    # GD escapes along y at (1 + 2 lr)^t from 1e-3; both leave the saddle point
    np.testing.assert_allclose(res.paths[0, -1, 1], 1e-3 * 1.2**40, rtol=1e-3)
    assert np.all(res.distance[:, -1] > 1.0)
    with pytest.raises(ValueError, match="rates"):
        race(tf.saddle(), {"Lion": [0.1]})


def test_one_of_rejects_empty():
    with pytest.raises(ValueError, match="specs"):
        one_of([])
    opt = one_of([(jo.sgd, {}), (jo.sgd, {"momentum": 0.9})])(learning_rate=0.5, choice=0.0)
    p = jnp.zeros(1)
    assert opt.update(jnp.ones(1), opt.init(p), p)[0].tolist() == [-0.5]
