"""Landscape test helpers: tiny problems, and the independent reference (a loop over points)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

import jaxscape as js


def tiny_classification(n_train=90, n_test=30, features=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(features, classes))
    x = rng.normal(size=(n_train + n_test, features)).astype(np.float32)
    y = np.argmax(x @ w + 0.5 * rng.normal(size=(n_train + n_test, classes)), axis=1)
    return js.data.from_arrays(
        x[:n_train], y[:n_train], x_test=x[n_train:], y_test=y[n_train:], name="tiny"
    )


class BNNet(nnx.Module):
    """Dense -> BatchNorm -> ReLU -> dense: a model whose state holds batch statistics."""

    def __init__(self, rngs: nnx.Rngs, features: int = 5, hidden: int = 6, classes: int = 3):
        self.l1 = nnx.Linear(features, hidden, rngs=rngs)
        self.bn = nnx.BatchNorm(hidden, rngs=rngs)
        self.l2 = nnx.Linear(hidden, classes, rngs=rngs)

    def __call__(self, x):
        return self.l2(nnx.relu(self.bn(self.l1(x))))


def trained_bn_state(prob, params, state, steps=3):
    """Batch statistics after a few training-mode forward passes (so they are not 0 and 1)."""
    x, y = prob.data.train.x, prob.data.train.y
    for i in range(steps):
        _, (state, _) = prob.objective(
            params, state, (x[i * 20 : i * 20 + 40], y[i * 20 : i * 20 + 40])
        )
    return state


def loop_metrics(prob, points, states, splits=("train", "test")):
    """Reference: one jitted evaluation per point, each on the whole split in a single batch."""
    ev = jax.jit(lambda p, s, x, y: prob.evaluate(p, s, (x, y)))
    out: dict[str, list[float]] = {}
    for p, s in zip(points, states, strict=True):
        for split in splits:
            part = prob.data.train if split == "train" else prob.data.test
            for k, v in ev(p, s, part.x, part.y).items():
                out.setdefault(f"{split}_{k}", []).append(float(v))
    return {k: np.asarray(v) for k, v in out.items()}


def axpy(params, direction, alpha):
    return jax.tree.map(lambda p, d: p + jnp.float32(alpha) * d, params, direction)
