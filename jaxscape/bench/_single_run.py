"""The reference a population is measured against: one training run, jitted, written plainly.

Built from any :class:`~jaxscape.Problem` and optimizer factory without the engine (no
divergence handling, no metric windows), so the loop of these runs is an independent baseline:
what a user would write by hand to train ``N`` configurations one after another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

from jaxscape.problem import Problem


def make_step(prob: Problem, optimizer: Callable[..., Any], static: dict[str, Any]):
    """``step(hp, params, mstate, opt_state, batch) -> (params, mstate, opt_state, loss)``."""

    def step(hp, params, mstate, opt_state, batch):
        tx = optimizer(**hp, **static)
        grad_fn = jax.value_and_grad(prob.objective, has_aux=True)
        (loss, (mstate, _)), grads = grad_fn(params, mstate, batch)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), mstate, opt_state, loss

    return step


def _batch(prob: Problem, x, y, ib, full: bool):
    if prob.data is None:
        return None
    return (x, y) if full else (jnp.take(x, ib, axis=0), jnp.take(y, ib, axis=0))


def make_single_run(
    prob: Problem, optimizer: Callable[..., Any], static: dict[str, Any], seed: int, full: bool
):
    """``run(hp, idx, x, y) -> (params, losses [T])``: init, then ``T = len(idx)`` steps."""
    step = make_step(prob, optimizer, static)

    def run(hp, idx, x, y):
        params, mstate = prob.init(jax.random.key(seed))
        opt_state = optimizer(**hp, **static).init(params)

        def body(carry, ib):
            p, s, o = carry
            p, s, o, loss = step(hp, p, s, o, _batch(prob, x, y, ib, full))
            return (p, s, o), loss

        (params, _, _), losses = jax.lax.scan(body, (params, mstate, opt_state), idx)
        return params, losses

    return jax.jit(run)


def trial_shapes(prob: Problem, optimizer: Callable[..., Any], hp: dict, static: dict):
    """Abstract ``(params, mstate, opt_state)`` of one trial (nothing is allocated)."""

    def init(key):
        params, mstate = prob.init(key)
        return params, mstate, optimizer(**hp, **static).init(params)

    return jax.eval_shape(init, jax.random.key(0))


def vmapped_step_bytes(
    prob: Problem,
    optimizer: Callable[..., Any],
    static: dict[str, Any],
    hp: dict[str, Any],
    n: int,
    batch: Any,
) -> int:
    """XLA's memory of one vmapped step of ``n`` trials: arguments + outputs + temporaries,
    less what the donated state aliases. Compiled from shapes; nothing runs."""
    step = make_step(prob, optimizer, static)
    one = trial_shapes(prob, optimizer, hp, static)
    stack = lambda s: jax.ShapeDtypeStruct((n, *s.shape), s.dtype)
    hp_n = {k: jax.ShapeDtypeStruct((n,), jnp.float32) for k in hp}
    fn = jax.jit(jax.vmap(step, in_axes=(0, 0, 0, 0, None)), donate_argnums=(1, 2, 3))
    compiled = fn.lower(hp_n, *jax.tree.map(stack, one), batch).compile()
    m = compiled.memory_analysis()
    if m is None:  # pragma: no cover - backends without memory analysis
        return 0
    total = m.argument_size_in_bytes + m.output_size_in_bytes + m.temp_size_in_bytes
    return int(total - m.alias_size_in_bytes)
