"""Gradient descent on a quadratic: the 2/L stability boundary, checked in closed form."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

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


def test_divergence_step_matches_closed_form_growth():
    # With lr = 0.6 the stiff coordinate grows by |1 - 0.6*4| = 1.4 per step; the loss exceeds
    # loss0 + 100*loss0 at the first t where 0.5*4*1.4^(2t) (+ the decaying rest) passes it.
    lr = 0.6
    res = js.sweep(
        _problem(), js.optim.sgd, {"learning_rate": [lr]}, steps=100, eval_every=5, progress=False
    )
    loss = lambda t: 0.5 * np.sum(CURVATURES * (1 - lr * CURVATURES) ** (2 * t))
    first_bad = next(t for t in range(100) if loss(t) > loss(0) + 100 * loss(0))
    assert res.diverged[0]
    assert res.diverged_at[0] == first_bad
    # Frozen after divergence: every later window is NaN, earlier ones finite.
    window_start = res.steps - res.info["eval_every"]
    finite = np.isfinite(res.metrics["train_loss"][0])
    np.testing.assert_array_equal(finite, window_start < first_bad)
