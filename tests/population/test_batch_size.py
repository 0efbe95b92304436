"""Batch size as a hyperparameter: a masked trial equals a run with that batch size alone."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

import jaxscape as js
from jaxscape.data import batch_indices

SIZES = (8, 32, 64)
RATES = (0.3, 0.2, 0.1)
STEPS, SEED = 20, 3


@pytest.fixture(scope="module")
def prob():
    return js.Problem.from_model(js.models.MLP(hidden=(16,)), js.data.digits())


@pytest.fixture(scope="module")
def masked(prob):
    table = {"learning_rate": list(RATES), "batch_size": list(SIZES)}
    return js.sweep(
        prob, js.optim.sgd, table, steps=STEPS, batch_size=64, seed=SEED, eval_every=1,
        keep_params=True, progress=False,
    )  # fmt: skip


def test_masked_trials_equal_separate_runs(prob, masked):
    assert masked.info["batching"] == "per_seed"
    assert masked.hyperparams["batch_size"].tolist() == list(SIZES)
    for i, (lr, b) in enumerate(zip(RATES, SIZES, strict=True)):
        alone = js.sweep(
            prob, js.optim.sgd, {"learning_rate": lr}, steps=STEPS, batch_size=b, seed=SEED,
            eval_every=1, keep_params=True, progress=False,
        )  # fmt: skip
        for name in ("train_loss", "train_accuracy", "val_loss", "test_loss"):
            np.testing.assert_allclose(
                masked.metrics[name][i], alone.metrics[name][0], rtol=1e-5, atol=1e-6,
                err_msg=f"{name}, batch size {b}",
            )  # fmt: skip
        for got, ref in zip(
            jax.tree.leaves(masked.params), jax.tree.leaves(alone.params), strict=True
        ):
            np.testing.assert_allclose(got[i], ref[0], rtol=1e-5, atol=1e-6)
    # the three batch sizes really trained differently
    assert len({round(float(v), 4) for v in masked.metrics["train_loss"][:, -1]}) == 3


def test_masked_trial_equals_a_hand_written_optax_loop(prob, masked):
    """An independent reference: optax.sgd on the rows ``batch_indices`` gives batch 32."""
    i, b, lr = 1, SIZES[1], RATES[1]
    data = prob.data
    params, state = prob.init(jax.random.key(SEED))

    def loss_fn(p, x, y):
        logits = prob.apply(p, state, x)  # an MLP: training and evaluation mode agree
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    tx = optax.sgd(lr)
    opt = tx.init(params)
    rows = batch_indices(SEED, data.n_train, b, 0, STEPS)
    losses = []
    for t in range(STEPS):
        x, y = data.train.x[rows[t]], data.train.y[rows[t]]
        loss, g = jax.value_and_grad(loss_fn)(params, x, y)
        upd, opt = tx.update(g, opt, params)
        params = optax.apply_updates(params, upd)
        losses.append(float(loss))
    np.testing.assert_allclose(masked.metrics["train_loss"][i], losses, rtol=1e-5)
    for got, ref in zip(jax.tree.leaves(masked.params), jax.tree.leaves(params), strict=True):
        np.testing.assert_allclose(got[i], ref, rtol=1e-5, atol=1e-6)


def test_padding_rows_do_not_count():
    """The masked mean ignores padded rows whatever they hold (a closed form)."""
    v = jnp.array([2.0, 4.0, 1e6, -1e6])
    assert float(js.losses.weighted_mean(v, jnp.array([1.0, 1.0, 0.0, 0.0]))) == 3.0


@pytest.mark.parametrize(
    ("column", "kw", "match"),
    [
        ([8, 2.5], {}, r"table\['batch_size'\] must be integers; trial 1 has 2.5"),
        ([8, 0], {}, r"table\['batch_size'\] must be >= 1; trial 1 has 0"),
        ([8, 5000], {"batch_size": 1221}, r"<= the 1221 training examples; trial 1 has 5000"),
        ([8, 64], {"batch_size": 32}, r"batch_size \(32\) must be >= the largest table\['batch_s"),
        ([8, 64], {"batch_size": None}, r"batch_size \(None\) must be >= the largest"),
    ],
)
def test_bad_batch_size_column_fails_before_compiling(prob, column, kw, match):
    table = {"learning_rate": 0.1, "batch_size": column}
    with pytest.raises(ValueError, match=match):
        js.sweep(prob, js.optim.sgd, table, steps=2, progress=False, **kw)


def test_problems_that_cannot_mask_are_refused():
    data = js.data.digits()
    by_loss = js.Problem.from_loss(
        lambda p, batch: jnp.mean((batch[0].reshape(len(batch[0]), -1) @ p).sum(-1) ** 2),
        jnp.zeros((64, 1)),
        data,
    )
    table = {"learning_rate": 0.1, "batch_size": [8, 16]}
    with pytest.raises(ValueError, match=r"per-example weights.*from_loss"):
        js.sweep(by_loss, js.optim.sgd, table, steps=2, batch_size=16, progress=False)

    class WithBatchNorm(nnx.Module):
        def __init__(self, rngs):
            self.lin = nnx.Linear(64, 10, rngs=rngs)
            self.bn = nnx.BatchNorm(10, rngs=rngs)

        def __call__(self, x):
            return self.bn(self.lin(x.reshape(x.shape[0], -1)))

    bn = js.Problem.from_model(WithBatchNorm, data)
    with pytest.raises(ValueError, match="BatchNorm"):
        js.sweep(bn, js.optim.sgd, table, steps=2, batch_size=16, progress=False)
    # one batch size needs no mask: the column is then the sweep's batch size
    res = js.sweep(bn, js.optim.sgd, {"learning_rate": 0.1, "batch_size": 16}, steps=2,
                   progress=False)  # fmt: skip
    assert res.info["batch_size"] == 16
