"""The parameters after the last update, without a validation split: judged by the training
objective on the last step's batch, as a direct optax loop over the same batches finds."""

from __future__ import annotations

import jax
import numpy as np
import optax

import jaxscape as js
from jaxscape.data import batch_indices
from jaxscape.population.step import DIVERGE_FLOOR

STEPS, BATCH, FACTOR = 12, 16, 100.0


def _problem() -> js.Problem:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 6)).astype(np.float32)
    y = (x @ rng.normal(size=6) + 0.1 * rng.normal(size=200)).astype(np.float32)
    data = js.data.from_arrays(x, y, test_fraction=0.2, val_fraction=0.0, seed=1)
    return js.Problem.from_model(js.models.LinearRegression(), data)


def _direct_diverged_at(prob: js.Problem, lr: float, loss_of, grad_of) -> int:
    """The step whose update diverged (-1: none), by the rule of ``population/step.py``: the
    loss of step ``t`` on its batch judges ``params_t``, and ``params_T`` is judged on the last
    step's batch. ``loss_of`` and ``grad_of``: the jitted objective and its gradient."""
    params, _ = prob.init(jax.random.key(0))
    x, y = np.asarray(prob.data.train.x), np.asarray(prob.data.train.y)
    order = batch_indices(0, x.shape[0], BATCH, 0, STEPS)
    tx = optax.sgd(lr)
    opt = tx.init(params)
    loss0 = None
    for t in range(STEPS + 1):
        batch = (x[order[min(t, STEPS - 1)]], y[order[min(t, STEPS - 1)]])
        loss = float(loss_of(params, batch))
        loss0 = loss if loss0 is None else loss0
        if not np.isfinite(loss) or loss > loss0 + FACTOR * max(abs(loss0), DIVERGE_FLOOR):
            return max(t - 1, 0)
        if t < STEPS:
            grads = grad_of(params, batch)
            updates, opt = tx.update(grads, opt, params)
            params = optax.apply_updates(params, updates)
    return -1


def test_last_update_is_judged_on_the_last_batch_as_a_direct_loop_does():
    prob = _problem()
    # around 0.87 the crossing moves from step 10 to none: some rate crosses on the last update
    lrs = np.concatenate([np.geomspace(0.855, 0.885, 60), [0.5, 1.2, 1.5]]).astype(np.float32)
    res = js.sweep(
        prob, js.optim.sgd, {"learning_rate": lrs}, steps=STEPS, batch_size=BATCH,
        diverge_factor=FACTOR, eval_every=4, progress=False,
    )  # fmt: skip
    assert not any(k.startswith("val_") for k in res.metrics)  # no validation split
    state = prob.init(jax.random.key(0))[1]
    loss_of = jax.jit(lambda p, b: prob.objective(p, state, b)[0])
    grad_of = jax.jit(jax.grad(lambda p, b: prob.objective(p, state, b)[0]))
    expected = np.array([_direct_diverged_at(prob, float(lr), loss_of, grad_of) for lr in lrs])
    assert (expected == STEPS - 1).any(), "no rate crosses the limit on the very last update"
    assert (expected == -1).any() and (expected < STEPS - 1).any()
    np.testing.assert_array_equal(res.diverged_at, expected)
    np.testing.assert_array_equal(res.diverged, expected >= 0)
