"""Chunk sizing: XLA's memory analysis and the budget arithmetic."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

import jaxscape as js
from jaxscape.population.memory import step_temp_bytes, trial_state_bytes
from jaxscape.population.plan import choose_chunk
from jaxscape.population.step import StepConfig
from jaxscape.population.table import make_table


def _cfg(prob):
    table = make_table({"learning_rate": [0.1, 0.2], "momentum": 0.9}, js.optim.sgd, 0)
    cfg = StepConfig(
        prob=prob,
        optimizer=js.optim.sgd,
        static={},
        batching="shared",
        diverge_factor=100.0,
        eval_batch_size=256,
        record_test=True,
    )
    return cfg, table


def test_state_bytes_count_params_and_momentum(small_mlp_problem):
    cfg, table = _cfg(small_mlp_problem)
    n = small_mlp_problem.num_params
    # float32 parameters + an SGD momentum buffer of the same size, plus a step counter.
    assert trial_state_bytes(cfg, table) in approx_bytes(8 * n)


def approx_bytes(expected: int, slack: int = 64) -> range:
    return range(expected, expected + slack)


def test_step_temporaries_grow_with_the_batch(small_mlp_problem):
    cfg, table = _cfg(small_mlp_problem)
    small, large = step_temp_bytes(cfg, table, 32), step_temp_bytes(cfg, table, 512)
    # The hidden activations of the batch (and their gradients) must be held: B x 16 floats.
    assert large - small >= (512 - 32) * 16 * 4
    assert large > small > 0


def test_chunk_never_exceeds_the_budget_and_spreads_evenly():
    for n in (1, 7, 100, 1000):
        for per in (1_000, 50_000, 10**6):
            for devices in (1, 4):
                size = choose_chunk(n, devices, per, budget_bytes=8 * 10**6)
                fit = max(1, 8 * 10**6 // per)
                assert size % devices == 0
                assert size <= max(-(-fit // devices) * devices, devices)
                chunks = -(-n // size)
                assert chunks * size - n < size  # the padding is less than one chunk


def test_full_batch_problem_has_tiny_temporaries():
    prob = js.Problem.from_loss(lambda p: jnp.sum(p**2), jnp.ones(10))
    cfg, table = _cfg(prob)
    assert step_temp_bytes(cfg, table, None) < 10_000
    assert np.isfinite(trial_state_bytes(cfg, table))
