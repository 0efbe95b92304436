"""TensorFlow 1.x conventions of RMSProp and Adagrad against their formulas, written out in NumPy.

TF 1.x ``RMSPropOptimizer``: ``ms <- rho ms + (1 - rho) g^2`` from ``ms_0 = 1``,
``mom <- mu mom + lr g / sqrt(ms + eps)``, ``var <- var - mom``; centered subtracts ``mg^2``
inside the root. ``AdagradOptimizer``: ``accum <- accum + g^2`` from 0.1,
``var <- var - lr g / sqrt(accum)``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape.optim as jo

jax.config.update("jax_enable_x64", False)


def _grads(steps: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(steps, 5)).astype(np.float32) * 3.0


def _run(opt, grads: np.ndarray, p0: np.ndarray) -> np.ndarray:
    p = jnp.asarray(p0)
    state = opt.init(p)
    for g in grads:
        updates, state = opt.update(jnp.asarray(g), state, p)
        p = p + updates
    return np.asarray(p)


def _tf_rmsprop(grads, p0, lr, rho, eps, mu, centered):
    p, ms, mg, mom = p0.astype(np.float64), np.ones_like(p0, np.float64), 0.0 * p0, 0.0 * p0
    for g in grads.astype(np.float64):
        ms = rho * ms + (1 - rho) * g * g
        denom = ms + eps
        if centered:
            mg = rho * mg + (1 - rho) * g
            denom = ms - mg * mg + eps
        mom = mu * mom + lr * g / np.sqrt(denom)
        p = p - mom
    return p


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("mu", [0.0, 0.5])
def test_rmsprop_tf_convention_matches_formula(centered, mu):
    grads, p0 = _grads(25), np.linspace(-1, 1, 5).astype(np.float32)
    lr, rho, eps = 0.01, 0.9, 1e-3  # a large eps makes "inside the root" visible
    opt = jo.rmsprop(
        lr,
        decay=rho,
        eps=eps,
        momentum=mu,
        centered=centered,
        eps_inside=True,
        initial_mean_square=1.0,
    )
    want = _tf_rmsprop(grads, p0, lr, rho, eps, mu, centered)
    np.testing.assert_allclose(_run(opt, grads, p0), want, rtol=1e-5, atol=1e-6)


def test_rmsprop_tf_first_step_is_damped_by_initial_mean_square():
    # first step with ms_0 = 1: -lr g / sqrt(rho + (1 - rho) g^2 + eps)
    g, lr, rho, eps = np.float32(0.2), 0.1, 0.9, 1e-10
    opt = jo.rmsprop(lr, decay=rho, eps=eps, eps_inside=True, initial_mean_square=1.0)
    upd, _ = opt.update(jnp.array([g]), opt.init(jnp.zeros(1)), jnp.zeros(1))
    want = -lr * g / np.sqrt(rho + (1 - rho) * g * g + eps)
    np.testing.assert_allclose(float(upd[0]), want, rtol=1e-6)
    torch_like = jo.rmsprop(lr, decay=rho, eps=eps)  # ms_0 = 0: about -lr sign(g) / sqrt(0.1)
    upd0, _ = torch_like.update(jnp.array([g]), torch_like.init(jnp.zeros(1)), jnp.zeros(1))
    np.testing.assert_allclose(float(upd0[0]), -lr / np.sqrt(1 - rho), rtol=1e-5)


def test_rmsprop_defaults_stay_torch():
    torch = pytest.importorskip("torch")
    grads, p0 = _grads(10, 1), np.ones(5, np.float32)
    t = torch.tensor(p0, requires_grad=True)
    topt = torch.optim.RMSprop([t], lr=0.01)
    for g in grads:
        t.grad = torch.tensor(g)
        topt.step()
    np.testing.assert_allclose(_run(jo.rmsprop(0.01), grads, p0), t.detach().numpy(), rtol=1e-5)


def test_rmsprop_tf_options_are_traceable_under_vmap():
    def first_update(v0):
        opt = jo.rmsprop(0.1, decay=0.5, eps=1e-8, eps_inside=True, initial_mean_square=v0)
        p = jnp.zeros(1)
        return opt.update(jnp.ones(1), opt.init(p), p)[0][0]

    got = jax.vmap(first_update)(jnp.array([0.0, 1.0]))
    want = [-0.1 / np.sqrt(0.5 + 1e-8), -0.1 / np.sqrt(1.0 + 1e-8)]
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)


def test_rmsprop_tf_options_validated():
    with pytest.raises(TypeError, match="eps_inside"):
        jo.rmsprop(eps_inside=1)
    with pytest.raises(ValueError, match="initial_mean_square"):
        jo.rmsprop(initial_mean_square=-1.0)


def test_adagrad_tf_convention_matches_formula():
    grads, p0 = _grads(30, 2), np.linspace(0, 2, 5).astype(np.float32)
    lr = 0.05
    p, acc = p0.astype(np.float64), np.full(5, 0.1)
    for g in grads.astype(np.float64):
        acc = acc + g * g
        p = p - lr * g / np.sqrt(acc)
    got = _run(jo.adagrad(lr, initial_accumulator_value=0.1), grads, p0)
    np.testing.assert_allclose(got, p, rtol=1e-5, atol=1e-6)
