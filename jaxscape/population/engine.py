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

import copy
import dataclasses
import functools
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec

from jaxscape.data.stream import is_streamed
from jaxscape.population import checkpoint as ckpt
from jaxscape.population._chunks import (
    BatchTables,
    ChunkInputs,
    chunk_inputs,
    data_splits,
    device_data,
    inputs_of,
    seed_slots,
)
from jaxscape.population._collect import Collected, Collector, empty_collected, record_traj
from jaxscape.population._initial import make_initial, make_initial_rows, make_seed_eval
from jaxscape.population._progress import Progress
from jaxscape.population.dispatch import has_convolution, loops_slow
from jaxscape.population.judging import Judging
from jaxscape.population.plan import Plan, ladder_chunk
from jaxscape.population.programs import compiled, memo, problem_key
from jaxscape.population.record import RecordEvent
from jaxscape.population.seed_weights import seed_init
from jaxscape.population.sharding import AXIS, replicate, shard_trials
from jaxscape.population.snapshot import PopulationState
from jaxscape.population.state import TrialState
from jaxscape.population.step import (
    StepConfig,
    init_from_seeds,
    make_advance,
    make_record,
    make_steps,
    window_names,
)
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
    on_record: Callable[[RecordEvent], Any] | None = None  # each record, as it reaches the host
    prune: Any = None  # a Pruner consulted at each record (see pruning.py)
    compact: bool = True  # re-pack a chunk into fewer lanes when most of its trials are dead


@dataclass
class Programs:
    """The compiled programs of one run, from the process-wide cache
    (:mod:`jaxscape.population.programs`), and the seconds this run spent compiling
    (``compile_s``).

    ``seed_init`` (one seed's initial parameters; once per problem, see
    :mod:`~jaxscape.population.seed_weights`), ``trial_init`` (the trials' states from their
    seeds' parameters), ``seed_eval`` (a seed's step-0 metrics; once per problem) and
    ``initial_rows`` (the step-0 record of ``record_initial`` from them), ``initial`` (the
    step-0 record of a continued run or one measuring sharpness: the trials' own states),
    ``advance`` (whole windows where loops are fast), ``steps`` (``k``
    training steps) and ``record`` (a window's end: the one-step-per-call path), ``freeze``
    (pruned trials), ``gather`` (compaction) and ``keep`` (a kept state's real lanes). Every
    one is compiled ahead of time on first use, so its compile time is reported as such, and
    reused by every later run with the same static description and argument shapes.
    """

    cfg: StepConfig
    compile_s: float = 0.0
    convolution: bool | None = None
    last: dict = dataclasses.field(default_factory=dict)  # (kind, extra) -> last executable

    def _run(self, kind: str, extra: tuple, build, args: tuple, donate=()) -> Any:
        """Run the program ``kind`` on ``args``. The executable this run used last for
        ``(kind, extra)`` is tried first: it checks its arguments' types and shardings before it
        runs (nothing donated on a mismatch), so the one-step-per-call loop does not rebuild the
        cache key (every leaf's shape) at every step."""
        exe = self.last.get((kind, extra))
        if exe is not None:
            try:
                return exe(*args)
            except (TypeError, ValueError):
                pass  # other shapes (a compacted chunk): look the program up
        keep = self.cfg  # holds every object the key names by identity
        exe, spent = compiled(kind, (self.cfg.key, extra), keep, build, args, donate=donate)
        self.compile_s += spent
        self.last[(kind, extra)] = exe
        return exe(*args)

    def init(self, hp: dict, seeds: np.ndarray, slot: jax.Array, mesh) -> TrialState:
        """The initial states of a chunk's trials (``seeds``: the chunk's distinct seeds)."""
        per_seed = [self._seed_init(int(s), mesh) for s in seeds]
        build = lambda: functools.partial(init_from_seeds, self.cfg)
        return self._run("trial_init", (), build, (hp, slot, per_seed))

    def _seed_init(self, seed: int, mesh) -> tuple:
        """One seed's initial ``(params, state)``, computed once per model, seed and mesh
        (search batches, rungs and procedures that start from the same seed share it)."""
        weights, spent = seed_init(self.cfg.prob, seed, mesh)
        self.compile_s += spent
        return weights

    def initial(self, state: TrialState, data: tuple) -> dict:
        return self._run("initial", (), lambda: make_initial(self.cfg), (state, *data))

    def seeded_initial(self, state: TrialState, inputs: ChunkInputs, data: tuple, mesh) -> tuple:
        """The step-0 record of trials that start from their seeds' weights: each seed's
        metrics (once per process and data), spread to the trials (see ``_initial.py``)."""
        cfg = self.cfg
        static = (problem_key(cfg.prob), cfg.record_test, cfg.record_val, cfg.eval_batch_size)
        key = (static, data_splits(cfg.prob.data), mesh)  # the values by identity
        per_seed = [self._seed_metrics(int(s), data, static, key) for s in inputs.seeds]
        build = lambda: make_initial_rows(cfg)
        return self._run("initial_rows", (), build, (state, per_seed, inputs.slot))

    def _seed_metrics(self, seed: int, data: tuple, static: tuple, key: tuple) -> dict:
        """One seed's step-0 metrics, once per process and ``key`` (program, data, mesh)."""

        def compute() -> dict:
            args = (*self._seed_init(seed, key[-1]), *data)
            build = lambda: make_seed_eval(self.cfg)
            exe, spent = compiled("seed_eval", static, self.cfg.prob, build, args)
            self.compile_s += spent
            return exe(*args)

        return memo("seed_metrics", (*key, seed), compute)

    def steps(self, k: int, args: tuple) -> tuple:
        build = lambda: make_steps(self.cfg, k)
        return self._run("steps", (k,), build, args, donate=(0, 1, 2))

    def record(self, args: tuple) -> tuple:
        return self._run("record", (), lambda: make_record(self.cfg), args, donate=(0, 1, 2))

    def advance(self, window_steps: int, args: tuple) -> tuple:
        build = lambda: make_advance(self.cfg, window_steps)
        return self._run("advance", (window_steps,), build, args, donate=(0, 1))

    def loops_slow(self, state: TrialState, data: tuple, mesh) -> bool:
        """Whether this run advances one step per call, with no loop in any program (see
        :mod:`jaxscape.population.dispatch`); the model is inspected once."""
        if self.convolution is None:
            self.convolution = _convolution(self.cfg, state, data)
        return loops_slow(mesh.devices.flat[0].platform, self.convolution)


def _convolution(cfg: StepConfig, state: TrialState, data: tuple) -> bool:
    """Whether one trial's model holds a convolution (its evaluation traced once per static
    description; the forward pass has one exactly when the training step does)."""

    def trace() -> bool:
        one = jax.tree.map(lambda a: jax.ShapeDtypeStruct(a.shape[1:], a.dtype), state)
        x, y = data[0], data[1]
        batch = (
            None
            if cfg.prob.data is None
            else (
                jax.ShapeDtypeStruct((2, *x.shape[1:]), x.dtype),
                jax.ShapeDtypeStruct((2, *y.shape[1:]), y.dtype),
            )
        )
        forward = lambda p, ms, b: cfg.prob.evaluate(p, ms, b)
        return has_convolution(forward, one.params, one.model_state, batch)

    return memo("convolution", cfg.key, trace, prepared=True)


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
    feed: ThreadPoolExecutor | None = None  # reads a streamed split's next window ahead


def run(cfg: StepConfig, table: Table, plan: Plan, opts: RunOptions) -> tuple[Collected, dict]:
    """Run every chunk of the population; returns what was collected and timing info."""
    programs = Programs(cfg)
    n_windows = len(plan.record_steps)
    got = empty_collected(cfg, table, plan.n_records, n_windows, opts)
    done, partial = ckpt.resume(opts.checkpoint, opts.identity, got, plan, table.n)
    chunks = plan.chunks(table.n, start=done)
    hyper = table.columns() if opts.on_record is not None else None
    pruner = _pruner(opts.prune, got.metrics)
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
        collector=Collector(
            got,
            on_record=opts.on_record,
            steps=_column_steps(plan, opts),
            hyperparams=hyper,
            prune=pruner,
        ),
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
        feed=ThreadPoolExecutor(1, "jaxscape-feed") if is_streamed(cfg.prob.data) else None,
    )
    tic = time.perf_counter()
    try:
        for ci, (lo, hi) in enumerate(chunks):
            _run_chunk(loop, ci, lo, hi, partial if ci == 0 else None)
        loop.collector.flush()
    finally:
        loop.progress.close()
        if loop.feed is not None:
            loop.feed.shutdown(cancel_futures=True)
    run_s = time.perf_counter() - tic - programs.compile_s
    return got, {"compile_s": programs.compile_s, "run_s": run_s}


def _pruner(prune: Any, metrics: dict) -> Any:
    """A private copy of the user's pruner with its metric resolved (the default rule when it
    names none; a metric the sweep does not record is refused)."""
    if prune is None:
        return None
    metric = prune.metric or Judging().choose_metric(metrics)
    if metric not in metrics:
        raise ValueError(f"prune: metric {metric!r} is not recorded; recorded: {sorted(metrics)}")
    return dataclasses.replace(copy.deepcopy(prune), metric=metric)


def _column_steps(plan: Plan, opts: RunOptions) -> np.ndarray:
    """The step count of every recorded column (what ``SweepResult.steps`` holds)."""
    t0 = 0 if opts.start is None else opts.start.step
    steps = plan.record_steps + t0
    return np.concatenate([[t0], steps]) if plan.record_initial else steps


def _steps_done(plan: Plan, chunks: list, done: int, partial: Any) -> int:
    """Trial-steps a resumed run finished before it stopped."""
    steps = done * plan.steps
    if partial is not None:
        lo, hi = chunks[0]
        steps += (hi - lo) * plan.done_before(partial[0])[0]
    return steps


@dataclass
class _Carry:
    """What a chunk carries from call to call on the device: the trials' state, the window
    buffers (one per window length) and the ``(t, pos)`` clock."""

    state: TrialState
    clock: tuple
    buffers: dict


def _run_chunk(loop: _Loop, ci: int, lo: int, hi: int, partial: Any) -> None:
    """Run chunk ``ci`` (trials ``[lo, hi)``) through every call of the plan; ``partial``:
    ``(call, arrays)`` to resume it at ``call`` from a checkpoint."""
    plan, opts = loop.plan, loop.opts
    size, n_slots = plan.chunk, seed_slots(loop.cfg, loop.table, plan.chunk)
    inputs = chunk_inputs(loop.table, lo, hi, size, n_slots, opts.trajectory, opts.mesh)
    first_call = 0 if partial is None else partial[0]
    t, windows = plan.done_before(first_call)
    t += loop.t0
    clock = replicate((np.int32(t), np.int32(0)), opts.mesh)
    carry = _Carry(_chunk_start(loop, inputs, partial), clock, {})
    for call in range(first_call, len(plan.calls)):
        inputs = _compacted(loop, inputs, carry) if _compacts(loop.opts) else inputs
        t, windows = _run_call(loop, ci, inputs, carry, call, t, windows)
    state = carry.state
    if opts.keep_state:  # the chunk's real lanes, sliced by one program (not one per leaf)
        build = lambda k=hi - lo: lambda st: jax.tree.map(lambda a: a[:k], st)
        kept = loop.programs._run("keep", (hi - lo,), build, (state,))
        loop.collector.got.states.append(kept)
    loop.collector.add_end(state, inputs.trials, opts.keep_params)
    if loop.saver is not None:
        loop.saver.save(loop.collector, hi, hi, 0, None)


def _chunk_start(loop: _Loop, inputs: ChunkInputs, partial: Any) -> TrialState:
    """The state a chunk starts from: initialised, continued from ``opts.start``, or restored
    from a checkpoint. A chunk that starts afresh records its start (trajectory, step 0)."""
    opts, mesh = loop.opts, loop.opts.mesh
    if opts.start is None:
        state = shard_trials(loop.programs.init(inputs.hp, inputs.seeds, inputs.slot, mesh), mesh)
    else:
        state = _continued(opts.start, inputs.idx, inputs.hp, mesh)
    if partial is not None:
        return shard_trials(ckpt.restore_state(partial[1], state), mesh)
    record_traj(loop.collector.got, state, inputs.sel, 0)
    if loop.plan.record_initial and opts.start is None and loop.cfg.sharpness is None:
        rows = loop.programs.seeded_initial(state, inputs, loop.data, mesh)
        loop.collector.add_rows([rows], inputs.trials, 0)
    elif loop.plan.record_initial:
        rows = loop.programs.initial(state, loop.data)
        loop.collector.add_rows([rows], inputs.trials, 0)
    return state


def _run_call(
    loop: _Loop, ci: int, inputs: ChunkInputs, carry: _Carry, call: int, t: int, done: int
) -> tuple[int, int]:
    """Dispatch call ``call`` of a chunk at step ``t`` after ``done`` windows, nothing waited
    for: its whole windows as one ``advance`` program (``k`` = the window's steps), or, where
    loops are slow for the model (even a scan over windows of one step), each window as
    ``window_steps`` dispatches of one step and one record (``k = 1``); the previous call's
    results are collected meanwhile. Returns the new step and window count."""
    plan, mesh = loop.plan, loop.opts.mesh
    windows, window_steps = plan.calls[call]
    slow = loop.programs.loops_slow(carry.state, loop.data, mesh)
    end = int(loop.t0 + plan.steps)  # placed once per process (never donated)
    t_end = memo("t_end", (end, mesh), lambda: replicate(np.int32(end), mesh), prepared=True)
    _freeze_pruned(loop, inputs, carry)
    if loop.feed is not None:  # a streamed training split: one window's rows at a time
        host = loop.batches.host(inputs, t, windows, window_steps)
        rows = _streamed_windows(loop, inputs, carry, host, (1 if slow else window_steps, t_end))
        return _after_call(loop, ci, inputs, carry, call, t, done, rows)
    bidx = loop.batches.get(inputs, t, windows, window_steps)  # on the devices already
    if not slow:  # whole windows in one call
        args = (carry.state, carry.clock, inputs.slot, t_end, bidx, *loop.data)
        carry.state, carry.clock, block = loop.programs.advance(window_steps, args)
        return _after_call(loop, ci, inputs, carry, call, t, done, [block])
    acc = carry.buffers.pop(window_steps, None)
    if acc is None:
        acc = _window_buffer(loop.cfg, inputs.idx.size, window_steps, mesh)
    state, clock, rows = carry.state, carry.clock, []
    for w in range(windows):  # one step per call: loops are slow for this model here
        window_idx = replicate(bidx[w], mesh)  # the window's rows, sent once
        for _ in range(window_steps):
            args = (state, acc, clock, inputs.slot, window_idx, loop.data[0], loop.data[1])
            state, acc, clock = loop.programs.steps(1, args)
        args = (state, acc, clock, t_end, (inputs.slot, window_idx), loop.data)
        state, acc, clock, row = loop.programs.record(args)
        rows.append(row)
    carry.state, carry.clock, carry.buffers[window_steps] = state, clock, acc
    return _after_call(loop, ci, inputs, carry, call, t, done, rows)


def _streamed_windows(
    loop: _Loop, inputs: ChunkInputs, carry: _Carry, host: np.ndarray, how: tuple
) -> list:
    """Run one call's windows on a streamed training split: each window's rows (``host[w]``,
    read on the feed's thread while the device trains on the window before) are sent with its
    steps, and the record judges and measures on them. At most two windows are in flight (the
    host waits for the one before before it queues the next), so a run does not queue rows
    faster than the device trains on them; what stays held is the rows
    :class:`~jaxscape.population._chunks.BatchTables` keeps for later chunks."""
    (k, t_end), window_steps = how, host.shape[1]
    acc = carry.buffers.pop(window_steps, None)
    if acc is None:
        acc = _window_buffer(loop.cfg, inputs.idx.size, window_steps, loop.opts.mesh)
    state, clock, rows = carry.state, carry.clock, []
    ahead = loop.feed.submit(loop.batches.streamed, host[0])
    for w in range(host.shape[0]):
        table, x, y = ahead.result()
        if w + 1 < host.shape[0]:
            ahead = loop.feed.submit(loop.batches.streamed, host[w + 1])
        for pos in range(0, window_steps, k):
            idx = table if k == 1 else table[pos : pos + k]
            state, acc, clock = loop.programs.steps(k, (state, acc, clock, inputs.slot, idx, x, y))
        args = (state, acc, clock, t_end, (inputs.slot, table), (x, y, *loop.data[2:]))
        state, acc, clock, row = loop.programs.record(args)
        if rows:
            jax.block_until_ready(rows[-1])
        rows.append(row)
    carry.state, carry.clock, carry.buffers[window_steps] = state, clock, acc
    return rows


def _freeze_pruned(loop: _Loop, inputs: ChunkInputs, carry: _Carry) -> None:
    """Freeze on the device the trials of this chunk the pruner stopped (as a diverged trial is
    frozen; the host knows them as pruned)."""
    pending = loop.collector.pending
    rows = [j for j, i in enumerate(inputs.trials) if int(i) in pending]
    if not rows:
        return
    mask = np.zeros(inputs.idx.size, bool)
    mask[rows] = True
    pending.difference_update(int(inputs.trials[j]) for j in rows)
    build = lambda: lambda st, m: st._replace(diverged=st.diverged | m)
    carry.state = loop.programs._run(
        "freeze", (), build, (carry.state, shard_trials(mask, loop.opts.mesh)), donate=(0,)
    )


def _compacts(opts: RunOptions) -> bool:
    """Whether dead lanes may be dropped: not with a checkpoint (its saved chunk is a range of
    trials), kept states or trajectories (their rows follow the chunk's)."""
    return opts.compact and opts.checkpoint is None and not opts.keep_state and not opts.trajectory


def _compacted(loop: _Loop, inputs: ChunkInputs, carry: _Carry) -> ChunkInputs:
    """The chunk re-packed into a smaller ladder size when at most half its lanes still train
    (the host knows a trial is dead one call late); the dropped trials' ends are collected from
    the state they were frozen in. Returns the (possibly new) inputs.

    The host first reads what the previous call recorded (waiting for it), so a trial that
    died in one call is dropped before the next.
    """
    if inputs.idx.size == 1:  # nothing to re-pack: no need to wait for the last call
        return inputs
    loop.collector.flush()
    size, dead = inputs.idx.size, loop.collector.dead
    live = np.flatnonzero(~dead[inputs.trials])
    new_size = ladder_chunk(max(live.size, 1), loop.opts.mesh.size, size)
    if new_size > size // 2 or live.size == inputs.trials.size:
        return inputs
    gone = np.flatnonzero(dead[inputs.trials])
    loop.collector.add_end(carry.state, inputs.trials[gone], loop.opts.keep_params, gone)
    if live.size == 0:
        live = gone[:1]  # nothing trains on; one frozen lane keeps the loop's shapes
    n_slots = seed_slots(loop.cfg, loop.table, new_size)
    span = (inputs.lo, inputs.hi)
    new = inputs_of(loop.table, inputs.trials[live], span, new_size, n_slots, (), loop.opts.mesh)
    lanes = np.concatenate([live, np.full(new_size - live.size, live[0])]).astype(np.int32)
    build = lambda: lambda st, rows: jax.tree.map(lambda a: a[rows], st)
    args = (carry.state, replicate(lanes, loop.opts.mesh))
    carry.state = shard_trials(loop.programs._run("gather", (), build, args), loop.opts.mesh)
    carry.buffers.clear()
    return new


def _after_call(
    loop: _Loop, ci: int, inputs: ChunkInputs, carry: _Carry, call: int, t: int, done: int,
    rows: list,
) -> tuple[int, int]:  # fmt: skip
    """Collect the previous call's rows, queue this call's, then progress and checkpoint."""
    plan, lo, hi, state = loop.plan, inputs.lo, inputs.hi, carry.state
    windows, window_steps = plan.calls[call]
    t += windows * window_steps
    loop.collector.flush()
    loop.collector.add_rows(rows, inputs.trials, done + int(plan.record_initial))
    done += windows
    record_traj(loop.collector.got, state, inputs.sel, done)
    loop.progress.after_call(ci, lo, hi, windows * window_steps, t, call)
    if loop.saver is not None:
        loop.saver.after_call(loop.collector, lo, hi, call, state)
    return t, done


def _window_buffer(cfg: StepConfig, n: int, window_steps: int, mesh) -> dict:
    """A fresh window buffer ``{name: [window_steps, n]}`` (written before it is read)."""
    zeros = np.zeros((window_steps, n), np.float32)
    return {k: _put_cols(zeros, mesh) for k in window_names(cfg)}


def _put_cols(a: np.ndarray, mesh) -> Any:
    return jax.device_put(a, NamedSharding(mesh, PartitionSpec(None, AXIS)))


def _continued(start: PopulationState, idx: np.ndarray, hp: dict, mesh) -> TrialState:
    """The saved states of trials ``idx`` with their (possibly new) hyperparameters ``hp``."""
    rows = jnp.asarray(idx)
    state = jax.tree.map(lambda a: a[rows], start.trials)._replace(hparams=hp)
    return shard_trials(state, mesh)
