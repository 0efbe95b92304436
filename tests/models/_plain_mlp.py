"""An MLP 64-16-10 with batch norm and dropout written as plain JAX functions."""

from __future__ import annotations

import jax
import jax.numpy as jnp

MOMENTUM, EPS = 0.9, 1e-5


def init(key):
    k1, k2 = jax.random.split(key)
    params = {
        "w1": jax.random.normal(k1, (64, 16)) / 8.0,
        "b1": jnp.zeros(16),
        "scale": jnp.ones(16),
        "shift": jnp.zeros(16),
        "w2": jax.random.normal(k2, (16, 10)) / 4.0,
        "b2": jnp.zeros(10),
    }
    return params, {"mean": jnp.zeros(16), "var": jnp.ones(16)}


def forward(params, state, x, key, train, rate=0.3):
    """``(logits [B, 10], new_state)``; batch statistics and dropout in training mode only."""
    h = x.reshape(len(x), -1) @ params["w1"] + params["b1"]
    if train:
        mean, var = h.mean(0), h.var(0)
        state = {
            "mean": MOMENTUM * state["mean"] + (1 - MOMENTUM) * mean,
            "var": MOMENTUM * state["var"] + (1 - MOMENTUM) * var,
        }
    else:
        mean, var = state["mean"], state["var"]
    h = jax.nn.relu((h - mean) / jnp.sqrt(var + EPS) * params["scale"] + params["shift"])
    if train:
        keep = jax.random.bernoulli(key, 1.0 - rate, h.shape)
        h = jnp.where(keep, h / (1.0 - rate), 0.0)
    return h @ params["w2"] + params["b2"], state
