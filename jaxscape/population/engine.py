"""The host loop of a population run: chunks of trials, compiled calls, progress, checkpoints.

:func:`run` walks the chunks of a population; each chunk starts (initialised, continued or
restored from a checkpoint), then runs the plan's compiled calls. The loop's parts are named
objects passed explicitly:

- :class:`Programs`: the compile cache (initialisation, the step-0 record, one ``advance`` per
  call shape) and the compile time;
- :class:`~jaxscape.population._chunks.ChunkInputs` and
  :class:`~jaxscape.population._chunks.BatchTables`: what one chunk and one call read;
- :class:`~jaxscape.population._collect.Collector`: device results into host buffers;
- :class:`~jaxscape.population.checkpoint.Checkpointer` and
  :func:`~jaxscape.population.checkpoint.resume`: checkpoints;
- :class:`~jaxscape.population._progress.Progress`: the bar and the user's callback.
"""

from __future__ import annotations

import functools
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxscape.population import checkpoint as ckpt
from jaxscape.population._chunks import (
    BatchTables,
    ChunkInputs,
    chunk_inputs,
    device_data,
    seed_slots,
)
from jaxscape.population._collect import Collected, Collector, empty_collected, record_traj
from jaxscape.population._initial import make_initial
from jaxscape.population._progress import Progress
from jaxscape.population.plan import Plan
from jaxscape.population.sharding import replicate, shard_trials
from jaxscape.population.snapshot import PopulationState
from jaxscape.population.state import TrialState
from jaxscape.population.step import StepConfig, init_trials, make_advance
from jaxscape.population.table import Table

__all__ = ["Collected", "Programs", "RunOptions", "run"]


@dataclass(frozen=True)
class RunOptions:
    """Host-side options of a run (none of them changes the numbers)."""

    batch_size: int | None
    keep_params: bool
    trajectory: tuple[int, ...]
    checkpoint: str | os.PathLike | None
    checkpoint_every: float
    progress: bool
    callback: Callable[[dict], Any] | None
    mesh: jax.sharding.Mesh
    identity: dict | None  # what determines the numbers (needed with a checkpoint)
    start: PopulationState | None = None  # continue these trials instead of initialising
    keep_state: bool = False  # return every trial's final state


@dataclass
class Programs:
    """The compile cache of one run, and the seconds spent compiling (``compile_s``).

    Every program is compiled ahead of time once, on first use, so its compile time is
    reported as such: ``init`` (initial trial states), ``initial`` (the step-0 record of
    ``record_initial``) and one ``advance`` per call shape ``(windows, window_steps)``;
    continued runs (``shared``) reuse an identical ``advance`` compiled by an earlier run.
    """

    cfg: StepConfig
    shared: bool = False
    compile_s: float = 0.0
    init_fn: Any = None  # the jitted (not yet compiled) initialisation
    compiled: dict[Any, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.init_fn = jax.jit(functools.partial(init_trials, self.cfg))

    def init(self, hp: dict, seeds: jax.Array, slot: jax.Array) -> TrialState:
        fn = self._get("init", lambda: self.init_fn.lower(hp, seeds, slot).compile())
        return fn(hp, seeds, slot)

    def initial(self, state: TrialState, data: tuple) -> dict:
        build = lambda: jax.jit(make_initial(self.cfg)).lower(state, *data).compile()
        return self._get("initial", build)(state, *data)

    def advance(self, windows: int, window_steps: int, args: tuple) -> tuple[TrialState, dict]:
        build = lambda: _compile(self.cfg, window_steps, args, shared=self.shared)
        return self._get((windows, window_steps), build)(*args)

    def _get(self, key: Any, build: Callable[[], Any]) -> Any:
        if key not in self.compiled:
            tic = time.perf_counter()
            self.compiled[key] = build()
            self.compile_s += time.perf_counter() - tic
        return self.compiled[key]


@dataclass(frozen=True)
class _Loop:
    """What every chunk of one run shares."""

    cfg: StepConfig
    table: Table
    plan: Plan
    opts: RunOptions
    programs: Programs
    collector: Collector
    progress: Progress
    saver: ckpt.Checkpointer | None
    batches: BatchTables
    data: tuple  # (x, y, x_test, y_test, x_val, y_val) on the devices
    t0: int  # the step the run starts from


def run(cfg: StepConfig, table: Table, plan: Plan, opts: RunOptions) -> tuple[Collected, dict]:
    """Run every chunk of the population; returns what was collected and timing info."""
    programs = Programs(cfg, shared=opts.start is not None)
    n_windows = len(plan.record_steps)
    got = empty_collected(cfg, table, programs.init_fn, plan.n_records, n_windows, opts)
    done, partial = ckpt.resume(opts.checkpoint, opts.identity, got, plan, table.n)
    chunks = plan.chunks(table.n, start=done)
    saver = None
    if opts.checkpoint is not None:
        saver = ckpt.Checkpointer(
            opts.checkpoint, opts.identity, plan, table.n, opts.checkpoint_every
        )
    loop = _Loop(
        cfg=cfg,
        table=table,
        plan=plan,
        opts=opts,
        programs=programs,
        collector=Collector(got),
        progress=Progress(
            total=table.n * plan.steps,
            done=_steps_done(plan, chunks, done, partial),
            show=opts.progress,
            callback=opts.callback,
        ),
        saver=saver,
        batches=BatchTables(cfg, opts.batch_size, opts.mesh),
        data=device_data(cfg, opts.mesh),
        t0=0 if opts.start is None else opts.start.step,
    )
    tic = time.perf_counter()
    try:
        for ci, (lo, hi) in enumerate(chunks):
            _run_chunk(loop, ci, lo, hi, partial if ci == 0 else None)
        loop.collector.flush()
    finally:
        loop.progress.close()
    run_s = time.perf_counter() - tic - programs.compile_s
    return got, {"compile_s": programs.compile_s, "run_s": run_s}


def _steps_done(plan: Plan, chunks: list, done: int, partial: Any) -> int:
    """Trial-steps a resumed run finished before it stopped."""
    steps = done * plan.steps
    if partial is not None:
        lo, hi = chunks[0]
        steps += (hi - lo) * plan.done_before(partial[0])[0]
    return steps


def _run_chunk(loop: _Loop, ci: int, lo: int, hi: int, partial: Any) -> None:
    """Run chunk ``ci`` (trials ``[lo, hi)``) through every call of the plan; ``partial``:
    ``(call, arrays)`` to resume it at ``call`` from a checkpoint."""
    plan, opts = loop.plan, loop.opts
    size, n_slots = plan.chunk, seed_slots(loop.cfg, loop.table, plan.chunk)
    inputs = chunk_inputs(loop.table, lo, hi, size, n_slots, opts.trajectory, opts.mesh)
    state = _chunk_start(loop, inputs, partial)
    first_call = 0 if partial is None else partial[0]
    t, windows = plan.done_before(first_call)
    t += loop.t0
    for call in range(first_call, len(plan.calls)):
        state, t, windows = _run_call(loop, ci, inputs, state, call, t, windows)
    if opts.keep_state:
        loop.collector.got.states.append(jax.tree.map(lambda a, k=hi - lo: a[:k], state))
    loop.collector.add_end(state, lo, hi, opts.keep_params)
    if loop.saver is not None:
        loop.saver.save(loop.collector, hi, hi, 0, None)


def _chunk_start(loop: _Loop, inputs: ChunkInputs, partial: Any) -> TrialState:
    """The state a chunk starts from: initialised, continued from ``opts.start``, or restored
    from a checkpoint. A chunk that starts afresh records its start (trajectory, step 0)."""
    opts, mesh = loop.opts, loop.opts.mesh
    if opts.start is None:
        hp, seeds, slot = inputs.hp, inputs.seeds_dev, inputs.slot
        state = shard_trials(loop.programs.init(hp, seeds, slot), mesh)
    else:
        state = _continued(opts.start, inputs.idx, inputs.hp, mesh)
    if partial is not None:
        return shard_trials(ckpt.restore_state(partial[1], state), mesh)
    record_traj(loop.collector.got, state, inputs.sel, 0)
    if loop.plan.record_initial:
        rows = loop.programs.initial(state, loop.data)
        loop.collector.add_rows(rows, inputs.lo, inputs.hi, 0)
    return state


def _run_call(
    loop: _Loop, ci: int, inputs: ChunkInputs, state: TrialState, call: int, t: int, done: int
) -> tuple[TrialState, int, int]:
    """Dispatch call ``call`` of a chunk at step ``t`` after ``done`` windows; collect the
    previous call's results meanwhile. Returns the new state, step and window count."""
    plan, lo, hi = loop.plan, inputs.lo, inputs.hi
    windows, window_steps = plan.calls[call]
    bidx = loop.batches.get(inputs, t, windows, window_steps)
    t_dev, t_end = replicate((np.int32(t), np.int32(loop.t0 + plan.steps)), loop.opts.mesh)
    args = (state, inputs.slot, t_dev, t_end, bidx, *loop.data)
    state, rows = loop.programs.advance(windows, window_steps, args)
    loop.collector.flush()
    loop.collector.add_rows(rows, lo, hi, done + int(plan.record_initial))
    t, done = t + windows * window_steps, done + windows
    record_traj(loop.collector.got, state, inputs.sel, done)
    loop.progress.after_call(ci, lo, hi, windows * window_steps, t, call)
    if loop.saver is not None:
        loop.saver.after_call(loop.collector, lo, hi, call, state)
    return state, t, done


#: Compiled programs of continued runs, shared across calls (PBT's intervals, successive
#: halving's rungs): ``{key: (problem, executable)}``; the problem is held so its ``id`` stays
#: unique while it is a key. Bounded; the oldest entry goes first.
_SHARED: dict[tuple, tuple[Any, Any]] = {}
_SHARED_MAX = 32


def _program_key(cfg: StepConfig, window_steps: int, args: tuple) -> tuple | None:
    static = tuple(sorted(cfg.static.items()))
    avals = tuple(
        (a.shape, str(a.dtype), getattr(a, "sharding", None)) for a in jax.tree.leaves(args)
    )
    key = (
        id(cfg.prob), cfg.optimizer, static, cfg.batching, cfg.diverge_factor,
        cfg.eval_batch_size, cfg.record_test, cfg.record_val, cfg.group, cfg.steps is None,
        cfg.sharpness, cfg.masked,
        window_steps, jax.tree.structure(args), avals,
    )  # fmt: skip
    try:
        hash(key)
    except TypeError:  # an unhashable static option: compile afresh
        return None
    return key


def _compile(cfg: StepConfig, window_steps: int, args: tuple, *, shared: bool) -> Any:
    """The compiled ``advance`` for ``args``; continued runs reuse an earlier identical one."""
    key = _program_key(cfg, window_steps, args) if shared else None
    if key is not None and key in _SHARED:
        return _SHARED[key][1]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*donated.*")
        fn = jax.jit(make_advance(cfg, window_steps), donate_argnums=0).lower(*args).compile()
    if key is not None:
        if len(_SHARED) >= _SHARED_MAX:
            _SHARED.pop(next(iter(_SHARED)))
        _SHARED[key] = (cfg.prob, fn)
    return fn


def _continued(start: PopulationState, idx: np.ndarray, hp: dict, mesh) -> TrialState:
    """The saved states of trials ``idx`` with their (possibly new) hyperparameters ``hp``."""
    rows = jnp.asarray(idx)
    state = jax.tree.map(lambda a: a[rows], start.trials)._replace(hparams=hp)
    return shard_trials(state, mesh)
