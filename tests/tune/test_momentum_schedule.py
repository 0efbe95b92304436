"""SGD with a momentum schedule against a direct NumPy loop, and against jaxscape's sgd."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxscape as js
from jaxscape.tune.range_tests._scheduled_momentum import sgd_momentum_schedule


def test_matches_a_numpy_heavy_ball_loop_with_changing_momentum():
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(12, 5))
    mus = np.linspace(0.0, 0.95, 12)
    lrs = np.geomspace(0.01, 0.3, 12)
    opt = sgd_momentum_schedule(lambda t: jnp.asarray(lrs)[t], lambda t: jnp.asarray(mus)[t])
    p = jnp.zeros(5)
    state = opt.init(p)
    step = jax.jit(opt.update)
    p_ref, buf = np.zeros(5), np.zeros(5)
    for t in range(12):
        updates, state = step(jnp.asarray(grads[t], jnp.float32), state, p)
        p = optax.apply_updates(p, updates)
        buf = grads[t] if t == 0 else mus[t] * buf + grads[t]  # torch: b_1 = g_1
        p_ref = p_ref - lrs[t] * buf
    np.testing.assert_allclose(np.asarray(p), p_ref, rtol=1e-5, atol=1e-6)


def test_constant_schedule_equals_jaxscape_sgd():
    rng = np.random.default_rng(1)
    grads = [jnp.asarray(g, jnp.float32) for g in rng.normal(size=(6, 3))]
    a, b = sgd_momentum_schedule(0.1, lambda t: 0.9), js.optim.sgd(0.1, momentum=0.9)
    pa = pb = jnp.ones(3)
    sa, sb = a.init(pa), b.init(pb)
    for g in grads:
        ua, sa = a.update(g, sa, pa)
        ub, sb = b.update(g, sb, pb)
        pa, pb = optax.apply_updates(pa, ua), optax.apply_updates(pb, ub)
    np.testing.assert_allclose(pa, pb, rtol=1e-6)
