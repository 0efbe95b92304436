"""Chunk sizing: XLA's memory analysis and the budget arithmetic."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

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


class FakeAccelerator:
    """Stands in for a GPU that reports ``free`` bytes (``None``: reports nothing)."""

    platform = "gpu"
    process_index = 0

    def __init__(self, free: int | None):
        self.free = free

    def memory_stats(self):
        return None if self.free is None else {"bytes_limit": self.free, "bytes_in_use": 0}

    def __repr__(self):
        return f"FakeAccelerator({self.free})"


def _chunk(cfg, devices, n=4096):
    from jaxscape.population.memory import auto_chunk

    table = make_table({"learning_rate": np.linspace(0.01, 1, n)}, js.optim.sgd, 0)
    return auto_chunk(cfg, table, devices, cap=None, batch_size=32)


def test_chunk_size_reads_the_devices_the_sweep_uses(small_mlp_problem):
    cfg, _ = _cfg(small_mlp_problem)
    big, small = FakeAccelerator(2**30), FakeAccelerator(2**24)
    # The smallest of the devices given decides; jax.devices()[0] (a CPU here) plays no part.
    assert _chunk(cfg, [big, small]) == _chunk(cfg, [small, small]) < _chunk(cfg, [big, big])
    assert _chunk(cfg, [big, big]) % 2 == 0


def test_held_out_evaluation_memory_is_counted(small_mlp_problem):
    import dataclasses

    from jaxscape.population.memory import eval_temp_bytes

    cfg, table = _cfg(small_mlp_problem)
    small = dataclasses.replace(cfg, eval_batch_size=8)
    # At least one evaluation batch's logits (B x 10 floats) must be held.
    assert eval_temp_bytes(cfg, table) - eval_temp_bytes(small, table) >= (256 - 8) * 10 * 4
    assert eval_temp_bytes(dataclasses.replace(cfg, record_test=False), table) == 0
    device = [FakeAccelerator(2**24)]
    big_eval = dataclasses.replace(cfg, eval_batch_size=4096)
    assert _chunk(big_eval, device) < _chunk(dataclasses.replace(cfg, record_test=False), device)


def test_unreported_free_memory_warns_and_assumes_little(small_mlp_problem):
    from jaxscape.population.memory import FALLBACK_FREE_BYTES

    cfg, _ = _cfg(small_mlp_problem)
    with pytest.warns(RuntimeWarning, match="does not report its free memory"):
        silent = _chunk(cfg, [FakeAccelerator(None)])
    assert silent == _chunk(cfg, [FakeAccelerator(FALLBACK_FREE_BYTES)])
    assert FALLBACK_FREE_BYTES <= 2**30
