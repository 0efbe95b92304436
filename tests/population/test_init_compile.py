"""Initialisation is compiled at XLA:CPU's first optimisation level (3x faster to compile):
the initial weights keep every bit of the default level's, for every built-in model, a flax
NNX module of the user's with other initialisers, batch norm and dropout, and two seeds."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from flax import nnx

import jaxscape as js
from jaxscape.population.programs import INIT_OPTIONS, init_options


class _UserNet(nnx.Module):
    def __init__(self, rngs: nnx.Rngs):
        ortho = nnx.initializers.orthogonal()
        self.conv = nnx.Conv(1, 4, (3, 3), kernel_init=nnx.initializers.he_uniform(), rngs=rngs)
        self.norm = nnx.BatchNorm(4, rngs=rngs)
        self.drop = nnx.Dropout(0.1, rngs=rngs)
        self.out = nnx.Linear(4 * 8 * 8, 10, kernel_init=ortho, rngs=rngs)

    def __call__(self, x):
        h = self.drop(nnx.relu(self.norm(self.conv(x.reshape(-1, 8, 8, 1)))))
        return self.out(h.reshape(h.shape[0], -1))


MODELS = {
    "mlp": lambda: js.models.MLP(hidden=(64, 32)),
    "cnn": lambda: js.models.CNN(),
    "logistic": lambda: js.models.LogisticRegression(),
    "user_nnx": lambda: _UserNet,  # a callable rngs -> nnx.Module
}


def _bits(tree) -> list[bytes]:
    out = []
    for a in jax.tree.leaves(tree):
        if jax.dtypes.issubdtype(a.dtype, jax.dtypes.prng_key):
            a = jax.random.key_data(a)
        out.append(np.asarray(a).tobytes())
    return out


@pytest.mark.parametrize("name", sorted(MODELS))
def test_init_at_level_one_keeps_every_bit(name, digits):
    prob = js.Problem.from_model(MODELS[name](), digits)
    lowered = jax.jit(lambda s: prob.init(jax.random.key(s))).lower(np.uint32(0))
    fast = lowered.compile(compiler_options=INIT_OPTIONS)
    default = lowered.compile()
    for seed in (0, 12345):
        assert _bits(fast(np.uint32(seed))) == _bits(default(np.uint32(seed)))


def test_a_sweep_starts_from_the_default_compiled_initial_weights(digits):
    prob = js.Problem.from_model(js.models.MLP(hidden=(32,)), digits)
    res = js.sweep(
        prob, js.optim.sgd, {"learning_rate": [0.1], "seed": [7]}, steps=1, batch_size=8,
        trajectory=[0], progress=False,
    )  # fmt: skip
    assert res.trajectory["steps"][0] == 0
    start = jax.tree.map(lambda a: np.asarray(a)[0, 0], res.trajectory["params"])
    assert _bits(start) == _bits(jax.jit(prob.init)(jax.random.key(7))[0])


def test_only_the_cpu_gets_the_option():
    assert init_options("cpu") == INIT_OPTIONS
    assert init_options("gpu") is None and init_options("tpu") is None
