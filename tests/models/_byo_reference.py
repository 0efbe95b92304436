"""A hand-written optax loop: the reference every "bring your own" model is checked against.

It follows the documented contract, not the library's code: the seed's key is split into
``(k_init, k_stream)``, the model initialises with ``k_init``, each step splits ``k_stream``
into its dropout key and the next, and reads the rows ``batch_indices(seed, n, B, t, 1)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np
import optax

import jaxscape as js
from jaxscape.data import batch_indices

STEPS, BATCH = 15, 32
RATES, SEEDS = (0.1, 0.05), (0, 1)
TABLE = {"learning_rate": list(RATES), "seed": list(SEEDS)}


def sweep(prob: js.Problem, optimizer: Any = None, table: dict | None = None) -> Any:
    """Two trials (two rates, two seeds), every step recorded, parameters kept."""
    return js.sweep(
        prob, optimizer or js.optim.sgd, table or TABLE, steps=STEPS, batch_size=BATCH,
        eval_every=1, keep_params=True, progress=False,
    )  # fmt: skip


def reference(
    init: Callable[[jax.Array], tuple[Any, Any]],
    loss: Callable[..., tuple[jax.Array, Any]],
    data: js.data.Dataset,
    seed: int,
    lr: float,
    *,
    dropout_seed: int | None = None,
    fixed_key: bool = False,
) -> tuple[np.ndarray, Any, Any]:
    """``(losses [STEPS], params, state)`` of optax.sgd on ``loss(params, state, x, y, key) ->
    (loss, new_state)``; ``dropout_seed`` draws the dropout stream from another seed and
    ``fixed_key`` reuses the first step's key every step (both only to show they matter)."""
    k_init, k = jax.random.split(jax.random.key(seed))
    if dropout_seed is not None:
        k = jax.random.split(jax.random.key(dropout_seed))[1]
    params, state = init(k_init)
    tx = optax.sgd(lr)
    opt = tx.init(params)
    grad = jax.jit(jax.value_and_grad(loss, has_aux=True))
    rows = batch_indices(seed, data.n_train, BATCH, 0, STEPS)
    losses = []
    for t in range(STEPS):
        k_step, k_next = jax.random.split(k)
        k = k if fixed_key else k_next
        x, y = data.train.x[rows[t]], data.train.y[rows[t]]
        (value, state), g = grad(params, state, x, y, k_step)
        updates, opt = tx.update(g, opt, params)
        params = optax.apply_updates(params, updates)
        losses.append(float(value))
    return np.asarray(losses), params, state


def assert_trial_matches(res: Any, i: int, losses: np.ndarray, params: Any) -> None:
    """Trial ``i`` of ``res`` has the reference's loss curve and final parameters."""
    np.testing.assert_allclose(res.metrics["train_loss"][i], losses, rtol=1e-5, atol=1e-6)
    got = jax.tree.leaves(jax.tree.map(lambda a: a[i], res.params))
    ref = jax.tree.leaves(params)
    assert len(got) == len(ref)
    for a, b in zip(got, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def assert_val_matches(res: Any, i: int, evaluate: Callable[..., jax.Array], data: Any) -> None:
    """The recorded final validation loss is the reference's, in evaluation mode."""
    value = float(evaluate(data.val.x, data.val.y))
    np.testing.assert_allclose(res.metrics["val_loss"][i, -1], value, rtol=1e-5, atol=1e-6)


def cross_entropy(logits: jax.Array, y: jax.Array) -> jax.Array:
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def assert_dropout_streams_differ(init: Any, loss: Any, data: Any, res: Any) -> None:
    """Trial 0 retrained by hand with trial 1's dropout stream, or with one key for every step,
    trains differently from what the sweep recorded: keys differ per seed and per step."""
    other, _, _ = reference(init, loss, data, SEEDS[0], RATES[0], dropout_seed=SEEDS[1])
    fixed, _, _ = reference(init, loss, data, SEEDS[0], RATES[0], fixed_key=True)
    for curve in (other, fixed):
        assert np.abs(curve[1:] - res.metrics["train_loss"][0, 1:]).max() > 1e-3
