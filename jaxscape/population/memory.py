"""Choosing how many trials share one compiled chunk.

On an accelerator the chunk is as large as memory allows: the population's cost then grows
linearly in ``N`` and every chunk is one big vectorised computation. On a CPU a single model's
working set fits in the processor's cache and a vmapped population's does not, so a chunk there
holds as many trials as fit a cache budget (:data:`CPU_CHUNK_BYTES`), and the chunks run one
after another, each compiled call dispatched while the previous one runs.

Chunk sizes come from a short ladder (1, 2, 3, 4, 6, 8, 12, 16, 24, ...; see
:func:`~jaxscape.population.plan.ladder_up`): a population is padded up to the next size, so
search batches, Hyperband rungs, PBT intervals and a second sweep with fewer trials share one
compiled program (:mod:`jaxscape.population.programs`). Padding lanes repeat a real trial and
never appear in a result.

On an accelerator one trial needs its state twice plus the temporaries of a training step and
those of the held-out evaluation (validation and test splits), both from XLA's memory analysis
(computed once per static description). The free memory is read from the devices the sweep runs
on (the smallest of them); a backend that does not report it gets :data:`FALLBACK_FREE_BYTES`
and a warning. With several processes every process uses the smallest chunk any of them chose.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from jaxscape.evaluation import evaluate_split
from jaxscape.population.plan import ladder_chunk, round_up
from jaxscape.population.sharding import smallest
from jaxscape.population.step import StepConfig, init_trials, train_step
from jaxscape.population.table import Table

#: Working-set budget of one chunk on a CPU, in bytes (about 3/4 of a 32 MiB L3).
CPU_CHUNK_BYTES = 24 * 2**20
#: Fraction of an accelerator's free memory a chunk may use.
DEVICE_FRACTION = 0.5
#: Free memory assumed (with a warning) for an accelerator that does not report it.
FALLBACK_FREE_BYTES = 2**30


def tree_bytes(tree) -> int:
    return int(sum(math.prod(x.shape) * x.dtype.itemsize for x in jax.tree.leaves(tree)))


def trial_state_bytes(cfg: StepConfig, table: Table) -> int:
    """Bytes of one trial's state (parameters, model state, optimizer state)."""
    state = jax.eval_shape(
        lambda hp, k, s: init_trials(cfg, hp, k, s),
        {k: jax.ShapeDtypeStruct((1,), jnp.float32) for k in table.numeric},
        jax.ShapeDtypeStruct((1,), jnp.uint32),
        jax.ShapeDtypeStruct((1,), jnp.int32),
    )
    return tree_bytes((state.params, state.model_state, state.opt_state))


def _one_trial(cfg: StepConfig, table: Table):
    hp = {k: jnp.zeros((1,), jnp.float32) for k in table.numeric}
    state = jax.eval_shape(
        lambda: init_trials(cfg, hp, jnp.zeros(1, jnp.uint32), jnp.zeros(1, jnp.int32))
    )
    return jax.tree.map(lambda s: jax.ShapeDtypeStruct(s.shape[1:], s.dtype), state)


def _temp_bytes(compiled) -> int:
    analysis = compiled.memory_analysis()
    return int(getattr(analysis, "temp_size_in_bytes", 0) or 0)


def step_temp_bytes(cfg: StepConfig, table: Table, batch_size: int | None) -> int:
    """XLA's temporary bytes for one step of one trial (activations, gradients)."""
    one = _one_trial(cfg, table)
    data = cfg.prob.data
    batch = None
    if data is not None:
        b = data.n_train if batch_size is None else batch_size
        batch = (
            jax.ShapeDtypeStruct((b, *data.input_shape), data.train.x.dtype),
            jax.ShapeDtypeStruct((b, *data.target_shape), data.train.y.dtype),
        )
    compiled = (
        jax.jit(lambda ts, bt: train_step(cfg, ts, bt, jnp.int32(0))).lower(one, batch).compile()
    )
    return _temp_bytes(compiled)


def eval_temp_bytes(cfg: StepConfig, table: Table) -> int:
    """XLA's temporary bytes for the held-out evaluation of one trial (the larger of the
    validation and test splits, in ``cfg.eval_batch_size`` batches); 0 when none is recorded."""
    data = cfg.prob.data
    splits = []
    if data is not None and cfg.record_test:
        splits.append(data.test)
    if data is not None and getattr(cfg, "record_val", False):
        splits.append(data.val)
    if not splits:
        return 0
    one = _one_trial(cfg, table)
    split = max(splits, key=len)
    xs = jax.ShapeDtypeStruct(split.x.shape, split.x.dtype)
    ys = jax.ShapeDtypeStruct(split.y.shape, split.y.dtype)
    fn = jax.jit(lambda p, s, x, y: evaluate_split(cfg.prob, p, s, x, y, cfg.eval_batch_size))
    return _temp_bytes(fn.lower(one.params, one.model_state, xs, ys).compile())


def device_free_bytes(device: jax.Device) -> int | None:
    """Free memory of an accelerator, or ``None`` when the backend does not report it."""
    try:
        stats = device.memory_stats()
    except Exception:
        return None
    if not stats or "bytes_limit" not in stats:
        return None
    return int(stats["bytes_limit"] - stats.get("bytes_in_use", 0))


def _free_bytes(devices: Sequence[jax.Device]) -> int:
    """The smallest free memory of this process's devices among ``devices``; a warning and
    :data:`FALLBACK_FREE_BYTES` when one does not report it."""
    local = [d for d in devices if d.process_index == jax.process_index()] or list(devices)
    free = [device_free_bytes(d) for d in local]
    if any(f is None for f in free):
        warnings.warn(
            f"device {local[free.index(None)]} does not report its free memory; sizing chunks "
            f"for {FALLBACK_FREE_BYTES / 2**30:g} GiB. Pass chunk_size to choose it yourself.",
            RuntimeWarning,
            stacklevel=3,
        )
        return FALLBACK_FREE_BYTES
    return min(free)


def auto_chunk(
    cfg: StepConfig,
    table: Table,
    devices: Sequence[jax.Device],
    *,
    cap: int | None,
    batch_size: int | None,
    pad_to: int | None = None,
    pad: bool = True,
) -> int:
    """Trials per chunk for this population on ``devices`` (see the module docstring).

    ``chunk`` is the number of trials per compiled call, a size of the ladder of
    :func:`~jaxscape.population.plan.ladder_up` per device, so populations of nearby sizes
    (search batches, rungs, a second sweep with fewer trials) share their programs: on a CPU
    (one device) as many as fit the cache budget, on an accelerator as many as fit half its
    free memory. An explicit ``cap`` is the chunk size (rounded up to the device count; a smaller
    population is padded up to it). ``pad_to``: size the chunk as for a population of that many
    trials, whatever this one holds (a smaller one is padded, a larger one runs in several
    chunks), so that several populations of one search share one shape. ``pad=False``: the
    population's own size per device, not a ladder size, when it fits.
    """
    n_devices = len(devices)
    if cap is not None:
        return round_up(cap, n_devices)
    state = _cached(("state", cfg.key, tuple(table.numeric)), lambda: trial_state_bytes(cfg, table))
    if devices[0].platform == "cpu":
        fit = CPU_CHUNK_BYTES * n_devices // max(3 * state, 1)
    else:
        temp = _cached(
            ("temp", cfg.key, tuple(table.numeric), batch_size),
            lambda: step_temp_bytes(cfg, table, batch_size) + eval_temp_bytes(cfg, table),
        )
        fit = int(DEVICE_FRACTION * _free_bytes(devices)) * n_devices // (2 * state + temp)
    n = table.n if pad_to is None else pad_to
    return smallest(ladder_chunk(n, n_devices, max(fit, n_devices), exact=not pad))


_MEMO: dict[tuple, tuple[Any, int]] = {}


def _cached(key: tuple, compute) -> int:
    """A byte count computed once per static description (the analysis compiles a program)."""
    if key not in _MEMO:
        _MEMO[key] = (key, compute())
    return _MEMO[key][1]
