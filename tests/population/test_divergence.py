"""Non-finite parameters: NaN metrics on every split, and a NaN planted by the last update."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxscape as js
from jaxscape.evaluation import evaluate_split

STEPS = 12


def _tiny_classification():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 4)).astype(np.float32)
    y = np.argmax(x @ rng.normal(size=(4, 3)), axis=1)
    return js.data.from_arrays(x, y, test_fraction=0.25, val_fraction=0.2, seed=1)


def _poisoned_sgd(learning_rate, poison_at=STEPS - 1):
    """SGD whose update of step ``poison_at`` writes a NaN into the parameters when lr > 0.5."""

    def init(params):
        return jnp.zeros((), jnp.int32)

    def update(grads, count, params=None):
        poison = jnp.where((count == poison_at) & (learning_rate > 0.5), jnp.nan, 0.0)
        updates = jax.tree.map(lambda g: -learning_rate * g + poison, grads)
        return updates, count + 1

    return optax.GradientTransformation(init, update)


def test_planted_nan_gives_nan_accuracy_not_the_share_of_class_zero():
    data = _tiny_classification()
    prob = js.Problem.from_model(js.models.LogisticRegression(), data)
    params, state = prob.init(jax.random.key(0))
    planted = jax.tree.map(lambda a: a.at[(0,) * a.ndim].set(jnp.nan), params)
    # What argmax makes of NaN logits: every prediction is class 0.
    logits = prob.apply(planted, state, data.test.x)
    assert np.all(np.asarray(jnp.argmax(logits, -1)) == 0)
    for split in (data.train, data.val, data.test):
        got = evaluate_split(prob, planted, state, split.x, split.y)
        assert np.isnan(float(got["accuracy"])) and np.isnan(float(got["loss"]))
        clean = evaluate_split(prob, params, state, split.x, split.y)
        direct = float(jnp.mean(jnp.argmax(prob.apply(params, state, split.x), -1) == split.y))
        np.testing.assert_allclose(float(clean["accuracy"]), direct, atol=1e-6)


def test_nan_from_the_last_update_flags_the_trial_and_blanks_every_split():
    data = _tiny_classification()
    prob = js.Problem.from_model(js.models.LogisticRegression(), data)
    res = js.sweep(
        prob,
        _poisoned_sgd,
        {"learning_rate": [0.1, 1.0]},
        steps=STEPS,
        batch_size=None,
        eval_every=3,
        keep_params=True,
        progress=False,
    )
    assert res.diverged.tolist() == [False, True]
    assert res.diverged_at.tolist() == [-1, STEPS - 1]  # the update of the last step
    assert not all(np.isfinite(leaf[1]).all() for leaf in jax.tree.leaves(res.params))
    for split in ("train", "val", "test"):
        for metric in ("loss", "accuracy"):
            curve = res.metrics[f"{split}_{metric}"]
            assert np.isfinite(curve[0]).all()
            if split == "train":  # the last window's steps all ran on finite parameters
                assert np.isfinite(curve[1]).all()
            else:  # measured after the poisoned update: NaN, never a class-0 accuracy
                assert np.isfinite(curve[1, :-1]).all() and np.isnan(curve[1, -1])
    assert res.best_index() == 0
