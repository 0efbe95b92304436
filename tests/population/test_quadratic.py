"""Gradient descent on a quadratic: the 2/L boundary and divergence, against closed forms."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxscape as js

CURVATURES = np.array([4.0, 1.0, 0.25])  # L = 4: GD is stable iff lr < 2 / L = 0.5


def _problem():
    a = jnp.asarray(CURVATURES)
    return js.Problem.from_loss(lambda w: 0.5 * jnp.sum(a * w**2), jnp.ones(3))


def test_gd_converges_below_two_over_l_and_diverges_above():
    lrs = np.array([0.05, 0.2, 0.4, 0.49, 0.51, 0.6, 1.0])
    res = js.sweep(
        _problem(), js.optim.sgd, {"learning_rate": lrs}, steps=200, eval_every=10, progress=False
    )
    stable = lrs < 2 / CURVATURES.max()
    np.testing.assert_array_equal(res.diverged, ~stable)
    # Closed form: w_t = (1 - lr a)^t w_0, loss_t = 0.5 sum a (1 - lr a)^(2t).
    for i in np.flatnonzero(stable):
        t = res.steps - 1  # the window's last loss is taken before the last update
        e = res.info["eval_every"]
        expected = np.array(
            [
                np.mean(
                    [
                        0.5 * np.sum(CURVATURES * (1 - lrs[i] * CURVATURES) ** (2 * s))
                        for s in range(tt - e + 1, tt + 1)
                    ]
                )
                for tt in t
            ]
        )
        np.testing.assert_allclose(res.metrics["train_loss"][i], expected, rtol=2e-4, atol=1e-7)


def _direct_diverged_at(curv, lr, steps, factor=100.0, w0=1.0):
    """The step whose update diverged, by a direct float64 NumPy loop of gradient descent.

    Update ``s`` maps ``w_s`` to ``w_{s+1}``; the answer is the first ``s`` whose result has a
    non-finite loss or one above ``loss0 + factor * max(|loss0|, 1)``; -1 if none.
    """
    w = np.full(len(curv), w0, np.float64)
    loss = lambda w: 0.5 * np.sum(curv * w**2)
    loss0 = loss(w)
    limit = loss0 + factor * max(abs(loss0), 1.0)
    with np.errstate(all="ignore"):
        for s in range(steps):
            w = w - lr * curv * w
            value = loss(w)
            if not np.isfinite(value) or value > limit:
                assert not np.isclose(value, limit, rtol=1e-3), "too close to call in float32"
                return s
    return -1


def test_diverged_at_is_the_update_that_diverged_as_a_direct_loop_finds():
    lrs = np.array([0.4, 0.51, 0.6, 1.0, 3.0, 50.0])
    res = js.sweep(
        _problem(), js.optim.sgd, {"learning_rate": lrs}, steps=100, eval_every=5, progress=False
    )
    expected = np.array([_direct_diverged_at(CURVATURES, lr, 100) for lr in lrs])
    assert expected[0] == -1 and np.all(expected[1:] >= 0)  # the loop sees both regimes
    np.testing.assert_array_equal(res.diverged_at, expected)
    np.testing.assert_array_equal(res.diverged, expected >= 0)
    # Frozen once found: the loss after update s is seen by step s + 1, whose window and every
    # later one record NaN; windows holding an earlier step stay finite.
    window_start = res.steps - res.info["eval_every"]
    for i in np.flatnonzero(expected >= 0):
        finite = np.isfinite(res.metrics["train_loss"][i])
        np.testing.assert_array_equal(finite, window_start < expected[i] + 1)


def test_blow_up_on_the_very_last_update_is_flagged():
    # f(w) = w^2 / 2 (L = 1), w0 = 1: GD multiplies the loss by r = (1 - lr)^2 per update. With
    # diverge_factor 1 the limit is 0.5 + 1 * max(0.5, 1) = 1.5 = 3 * loss0, so r^19.5 = 3 puts
    # the crossing between updates 18 and 19 of a 20-step run: only the parameters after the
    # last update, which no training step ever evaluates, are past the limit.
    steps, lr = 20, 1.0 + 3.0 ** (1 / 39)  # just above 2 / L
    curv = np.array([1.0])
    assert _direct_diverged_at(curv, lr, steps, factor=1.0) == steps - 1
    assert _direct_diverged_at(curv, lr, steps - 1, factor=1.0) == -1
    prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w**2), jnp.ones(1))
    run = lambda n: js.sweep(
        prob, js.optim.sgd, {"learning_rate": [lr]}, steps=n, diverge_factor=1.0, progress=False
    )
    last, before = run(steps), run(steps - 1)
    assert last.diverged[0] and last.diverged_at[0] == steps - 1
    assert not before.diverged[0] and before.diverged_at[0] == -1
    assert np.isfinite(before.metrics["train_loss"][0]).all()


def test_limit_stays_sane_when_the_initial_loss_is_near_zero():
    # Adam's first steps move every weight by about the learning rate whatever the gradient's
    # scale, so from a start 1e-4 away from the optimum (loss0 = 1.5e-8) the loss jumps ~1e4x
    # before it settles. A limit proportional to |loss0| alone (1e-4 here) calls that healthy
    # run diverged; the floor of 1 in loss units does not.
    c = 1e-4
    loss = lambda w: 0.5 * jnp.sum((w - c) ** 2)
    prob = js.Problem.from_loss(loss, jnp.zeros(3))
    res = js.sweep(
        prob, js.optim.adam, {"learning_rate": [1e-2]}, steps=200, eval_every=1, progress=False
    )
    # Direct optax loop: the losses the sweep records (window of one step: the loss before it).
    tx, w = optax.adam(1e-2), jnp.zeros(3)
    state, direct = tx.init(w), []
    for _ in range(200):
        value, g = jax.value_and_grad(loss)(w)
        direct.append(float(value))
        updates, state = tx.update(g, state, w)
        w = optax.apply_updates(w, updates)
    direct = np.asarray(direct)
    loss0 = direct[0]
    assert direct.max() > loss0 + 100 * max(abs(loss0), 1e-6)  # the old limit is crossed
    assert not res.diverged[0] and res.diverged_at[0] == -1
    np.testing.assert_allclose(res.metrics["train_loss"][0], direct, rtol=1e-3, atol=1e-9)
