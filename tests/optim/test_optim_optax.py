"""Agreement with optax where the two libraries implement the same rule (float32)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from optim_cases import problem

import jaxscape.optim as jo
import jaxscape.schedules as sch


def _trajectory(opt, params, curv, noise):
    def body(carry, noise_t):
        p, state = carry
        grads = jax.tree.map(lambda c, x, n: c * x + n, curv, p, noise_t)
        updates, state = opt.update(grads, state, p)
        return (optax.apply_updates(p, updates), state), p

    return jax.jit(lambda *a: jax.lax.scan(body, (a[0], opt.init(a[0])), a[2])[1])(
        params, curv, noise
    )


def _schedule():
    return sch.cosine_decay(0.05, 12, min_learning_rate=0.005, restarts=True, period_mult=2.0)


PAIRS = [
    ("sgd", lambda: jo.sgd(0.05), lambda: optax.sgd(0.05)),
    ("sgd-momentum", lambda: jo.sgd(0.05, momentum=0.9), lambda: optax.sgd(0.05, momentum=0.9)),
    (
        "sgd-nesterov",
        lambda: jo.sgd(0.05, momentum=0.9, nesterov=True),
        lambda: optax.sgd(0.05, momentum=0.9, nesterov=True),
    ),
    (
        "sgd-weight-decay",
        lambda: jo.sgd(0.05, momentum=0.5, weight_decay=0.1),
        lambda: optax.chain(optax.add_decayed_weights(0.1), optax.sgd(0.05, momentum=0.5)),
    ),
    (
        "sgd-schedule",
        lambda: jo.sgd(_schedule(), momentum=0.9),
        lambda: optax.sgd(_schedule(), momentum=0.9),
    ),
    ("adam", lambda: jo.adam(0.01), lambda: optax.adam(0.01)),
    (
        "adam-schedule",
        lambda: jo.adam(_schedule(), b1=0.8, b2=0.99),
        lambda: optax.adam(_schedule(), b1=0.8, b2=0.99),
    ),
    (
        "adamw",
        lambda: jo.adamw(0.01, weight_decay=0.1),
        lambda: optax.adamw(0.01, weight_decay=0.1),
    ),
    ("adamax", lambda: jo.adamax(0.01), lambda: optax.adamax(0.01)),
    (
        "rmsprop",
        lambda: jo.rmsprop(0.01, decay=0.9),
        lambda: optax.rmsprop(0.01, decay=0.9, eps=1e-8, eps_in_sqrt=False),
    ),
    (
        "rmsprop-momentum",
        lambda: jo.rmsprop(0.01, momentum=0.5),  # constant lr: agree
        lambda: optax.rmsprop(0.01, decay=0.99, eps=1e-8, eps_in_sqrt=False, momentum=0.5),
    ),
    ("adadelta", lambda: jo.adadelta(), lambda: optax.adadelta(learning_rate=1.0)),
]


@pytest.mark.parametrize(("label", "ours", "theirs"), PAIRS, ids=[p[0] for p in PAIRS])
def test_agrees_with_optax(label, ours, theirs):
    prob = jax.tree.map(jnp.asarray, problem(seed=5, dtype=np.float32, steps=25))
    for a, b in zip(_trajectory(ours(), *prob), _trajectory(theirs(), *prob), strict=True):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


def test_optax_nadam_is_a_different_rule():
    """Documented difference: optax.nadam has no momentum-decay schedule."""
    prob = jax.tree.map(jnp.asarray, problem(seed=5, dtype=np.float32, steps=10))
    ours = _trajectory(jo.nadam(0.01), *prob)
    theirs = _trajectory(optax.nadam(0.01), *prob)
    assert not np.allclose(ours[0], theirs[0], rtol=1e-4)
