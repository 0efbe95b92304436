"""The adapters' options: linen's mode keyword, the table factory, masking stateless models."""

from __future__ import annotations

import inspect

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape.models import linen_model, table_factory
from jaxscape.models.linen import mode_arg


class Deterministic(nn.Module):
    @nn.compact
    def __call__(self, x, deterministic: bool = True):
        h = nn.Dropout(0.5, deterministic=deterministic)(nn.Dense(4)(x))
        return nn.Dense(2)(h)


class NoMode(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Dense(2)(x)


def test_linen_mode_keyword_is_found_or_given():
    assert mode_arg(Deterministic()) == "deterministic"
    assert mode_arg(NoMode()) is None
    m = linen_model(Deterministic(), (3,))
    params, state = m.init(jax.random.key(0))
    x = jnp.ones((6, 3))
    train_a, _ = m.apply(params, state, x, jax.random.key(1), True)
    train_b, _ = m.apply(params, state, x, jax.random.key(2), True)
    evals = [m.apply(params, state, x, None, False)[0] for _ in range(2)]
    assert not jnp.allclose(train_a, train_b)  # dropout on, keyed, in training mode
    assert jnp.array_equal(*evals)  # deterministic=True in evaluation mode
    with pytest.raises(ValueError, match="mode must be"):
        linen_model(NoMode(), (3,), mode="is_train")
    with pytest.raises(TypeError, match=r"flax\.linen\.Module"):
        linen_model(lambda x: x, (3,))


def test_table_factory_keeps_the_optimizer_signature_and_is_idempotent():
    loss = lambda p, s, b, key, hp: (hp["scale"] * jnp.sum(p**2), s, {})
    prob = js.Problem.from_custom_loss(lambda key: (jnp.ones(2), {}), loss, hyperparams=("scale",))
    sched = js.optim.with_schedule(js.optim.sgd, js.schedules.policy)
    make = table_factory(prob, sched)
    names = set(inspect.signature(make).parameters)
    assert names == set(inspect.signature(sched).parameters) | {"scale"}
    assert table_factory(prob, make) is make
    plain = js.Problem.from_loss(lambda p: jnp.sum(p**2), jnp.ones(2))
    assert table_factory(plain, js.optim.sgd) is js.optim.sgd  # nothing consumed, unchanged
    table = {"learning_rate": 0.1, "scale": [0.5, 2.0]}
    res = js.sweep(prob, table_factory(prob, js.optim.sgd), table, steps=3, progress=False)
    # d/dp scale * p^2 = 2 scale p: the larger scale shrinks p faster
    assert res.metrics["train_loss"][0, -1] / 0.5 > res.metrics["train_loss"][1, -1] / 2.0


def test_a_stateless_plain_model_masks_batches_to_per_trial_sizes(digits):
    init = lambda key: ({"w": jax.random.normal(key, (64, 10)) / 8}, {})

    def apply(params, state, x, key, train):
        return x.reshape(len(x), -1) @ params["w"], state

    prob = js.Problem.from_functions(init, apply, digits)
    kw = {"steps": 5, "eval_every": 1, "seed": 3, "progress": False}
    masked = js.sweep(prob, js.optim.sgd, {"learning_rate": 0.1, "batch_size": [8, 32]},
                      batch_size=32, **kw)  # fmt: skip
    alone = js.sweep(prob, js.optim.sgd, {"learning_rate": 0.1}, batch_size=8, **kw)
    np.testing.assert_allclose(masked.metrics["train_loss"][0], alone.metrics["train_loss"][0],
                               rtol=1e-5)  # fmt: skip
