"""The host loop of a population run: chunks of trials, compiled calls, progress, checkpoints."""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

from jaxscape.data import batch_indices
from jaxscape.optim.exposed import exposed_scalars
from jaxscape.population import checkpoint as ckpt
from jaxscape.population._identity import fingerprint
from jaxscape.population.plan import Plan
from jaxscape.population.sharding import (
    check_same_everywhere,
    from_writer,
    is_writer,
    replicate,
    shard_trials,
    to_host,
)
from jaxscape.population.snapshot import PopulationState
from jaxscape.population.state import TrialState
from jaxscape.population.step import StepConfig, init_trials, make_advance
from jaxscape.population.table import Table


@dataclass
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
class Collected:
    """Everything gathered on the host so far (also what a checkpoint stores)."""

    metrics: dict[str, np.ndarray]  # [N, T]
    diverged: np.ndarray  # [N]
    diverged_at: np.ndarray  # [N]
    params: Any  # leaves [N, ...] or None
    traj: Any  # leaves [m, T+1, ...] or None
    states: list | None = None  # final TrialState of each chunk (device), with keep_state

    def arrays(self) -> dict[str, np.ndarray]:
        out = {f"metric/{k}": v for k, v in self.metrics.items()}
        out["diverged"], out["diverged_at"] = self.diverged, self.diverged_at
        for name, tree in (("params", self.params), ("traj", self.traj)):
            if tree is not None:
                for i, leaf in enumerate(jax.tree.leaves(tree)):
                    out[f"{name}/{i:05d}"] = leaf
        return out

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        for k in self.metrics:
            self.metrics[k] = arrays[f"metric/{k}"]
        self.diverged, self.diverged_at = arrays["diverged"], arrays["diverged_at"]
        for name in ("params", "traj"):
            tree = getattr(self, name)
            if tree is not None:
                leaves, treedef = jax.tree.flatten(tree)
                new = [arrays[f"{name}/{i:05d}"] for i in range(len(leaves))]
                setattr(self, name, jax.tree.unflatten(treedef, new))


def _data_args(cfg: StepConfig):
    """``(x, y, x_test, y_test, x_val, y_val)``; a split that is not recorded is a dummy."""
    prob, dummy = cfg.prob, jnp.zeros((1,), jnp.float32)
    if prob.data is None:
        return (dummy,) * 6
    test, val = prob.data.test, getattr(prob.data, "val", None)
    x_te, y_te = (test.x, test.y) if cfg.record_test else (dummy, dummy)
    x_va, y_va = (val.x, val.y) if cfg.record_val else (dummy, dummy)
    return prob.data.train.x, prob.data.train.y, x_te, y_te, x_va, y_va


def _batch_table(cfg, opts, seeds_slot, n_train, t, windows, window_steps) -> np.ndarray:
    count = windows * window_steps
    if cfg.batching == "full":
        return np.zeros((windows, window_steps), np.int32)
    per = [batch_indices(int(s), n_train, opts.batch_size, t, count) for s in seeds_slot]
    if cfg.batching == "shared":
        return per[0].reshape(windows, window_steps, -1)
    stacked = np.stack(per, axis=1)  # [count, S, B]
    return stacked.reshape(windows, window_steps, len(seeds_slot), -1)


def _chunk_inputs(table: Table, lo: int, hi: int, size: int, n_slots: int):
    """Padded trial indices, hyperparameters, distinct seeds and slots of one chunk."""
    idx = np.arange(lo, hi)
    idx = np.concatenate([idx, np.full(size - idx.size, lo)])
    seeds = table.seeds[idx]
    uniq = list(dict.fromkeys(seeds.tolist()))
    uniq += [uniq[0]] * (n_slots - len(uniq))
    slot = np.asarray([uniq.index(s) for s in seeds], np.int32)
    hp = {k: v[idx] for k, v in table.numeric.items()}
    return idx, hp, np.asarray(uniq, np.int64), slot


def run(cfg: StepConfig, table: Table, plan: Plan, opts: RunOptions) -> tuple[Collected, dict]:
    """Run every chunk of the population; returns what was collected and timing info."""
    n, size, t_total = table.n, plan.chunk, len(plan.record_steps)
    n_slots = 1 if cfg.batching != "per_seed" else min(size, len(np.unique(table.seeds)))
    x, y, x_te, y_te, x_va, y_va = _data_args(cfg)
    n_train = 0 if cfg.prob.data is None else cfg.prob.data.n_train
    mesh = opts.mesh
    x, y, x_te, y_te, x_va, y_va = replicate((x, y, x_te, y_te, x_va, y_va), mesh)

    init_fn = jax.jit(lambda hp, seeds, slot: init_trials(cfg, hp, seeds, slot))
    init_compiled = {}

    def init_jit(hp, seeds, slot):
        # Compiled ahead of time once, so that its compile time is reported as such.
        if not init_compiled:
            tic = time.perf_counter()
            init_compiled["fn"] = init_fn.lower(hp, seeds, slot).compile()
            timing["compile_s"] += time.perf_counter() - tic
        return init_compiled["fn"](hp, seeds, slot)

    traj_sel = np.asarray(opts.trajectory, np.int64)
    timing = {"compile_s": 0.0, "run_s": 0.0}
    got = _empty(cfg, table, init_fn, t_total, traj_sel.size, opts)
    names = tuple(got.metrics)
    t0 = 0 if opts.start is None else opts.start.step

    path = opts.checkpoint
    done, partial = _resume(opts, got, plan, n)
    chunks = plan.chunks(n, start=done)
    compiled: dict[tuple[int, int], Any] = {}
    last_save = time.monotonic()
    bar = tqdm(
        total=n * plan.steps,
        disable=not opts.progress,
        desc="sweep",
        unit="trial-step",
        unit_scale=True,
        dynamic_ncols=True,
    )
    done_steps = done * plan.steps
    if partial is not None:
        lo, hi = chunks[0]
        done_steps += (hi - lo) * sum(w * e for w, e in plan.calls[: partial[0]])
    bar.update(done_steps)

    tables: dict[tuple[int, int, int], jax.Array] = {}

    def batch_table(seeds_slot, t: int, windows: int, window_steps: int) -> jax.Array:
        # Shared and full batching read the same indices in every chunk: build them once.
        key = (t, windows, window_steps)
        if cfg.batching != "per_seed" and key in tables:
            return tables[key]
        table = _batch_table(cfg, opts, seeds_slot, n_train, t, windows, window_steps)
        table = replicate(table, mesh)
        if cfg.batching != "per_seed":
            tables[key] = table
        return table

    pending: list[tuple[Any, int, int, int, int]] = []
    pending_ends: list[tuple[Any, int, int]] = []

    def collect() -> None:
        # Results come back one call late, so the host never stalls the device between calls
        # (nor between chunks: the next chunk is dispatched before this one's end is read).
        for rows, lo, hi, record, windows in pending:
            rows = to_host(rows)
            for k in names:
                got.metrics[k][lo:hi, record : record + windows] = rows[k][:, : hi - lo].T
        pending.clear()
        for end, lo, hi in pending_ends:
            diverged, diverged_at, params = to_host(end)
            got.diverged[lo:hi] = diverged[: hi - lo]
            got.diverged_at[lo:hi] = diverged_at[: hi - lo]
            if params is not None:
                for dst, src in zip(
                    jax.tree.leaves(got.params), jax.tree.leaves(params), strict=True
                ):
                    dst[lo:hi] = src[: hi - lo]
        pending_ends.clear()

    fp = fingerprint(opts.identity) if path is not None else None

    def save(lo: int, hi: int, call: int, state: TrialState | None) -> None:
        # Trials [0, lo) are finished; with a state, [lo, hi) is the chunk in progress before
        # `call`. Every process gathers (a collective); process 0 writes.
        collect()
        arrays = got.arrays()
        if state is not None:
            arrays.update(ckpt.state_arrays(state))
        meta = {
            "fingerprint": fp,
            "identity": opts.identity,
            "n": n,
            "done": lo,
            "chunk": [lo, hi],
            "chunk_size": plan.chunk,
            "calls": [list(c) for c in plan.calls],
            "call": call,
        }
        if is_writer():
            ckpt.save_checkpoint(path, meta, arrays)

    tic_all = time.perf_counter()
    try:
        for ci, (lo, hi) in enumerate(chunks):
            idx, hp, seeds_slot, slot = _chunk_inputs(table, lo, hi, size, n_slots)
            seeds_dev = replicate(seeds_slot.astype(np.uint32), mesh)
            hp_dev, slot_dev = shard_trials((hp, slot), mesh)
            if opts.start is None:
                state = shard_trials(init_jit(hp_dev, seeds_dev, slot_dev), mesh)
            else:
                state = _continued(opts.start, idx, hp_dev, mesh)
            sel = [
                (j, int(np.flatnonzero(traj_sel == i)[0]))
                for j, i in enumerate(idx[: hi - lo])
                if i in traj_sel
            ]
            first_call = partial[0] if ci == 0 and partial is not None else 0
            if first_call:
                state = shard_trials(ckpt.restore_state(partial[1], state), mesh)
            elif sel:
                _record_traj(got, state, sel, 0)
            t = t0 + sum(w * e for w, e in plan.calls[:first_call])
            record = sum(w for w, _ in plan.calls[:first_call])
            for call in range(first_call, len(plan.calls)):
                windows, window_steps = plan.calls[call]
                bidx = batch_table(seeds_slot, t, windows, window_steps)
                t_dev, t_end = replicate((np.int32(t), np.int32(t0 + plan.steps)), mesh)
                args = (state, slot_dev, t_dev, t_end, bidx, x, y, x_te, y_te, x_va, y_va)
                fn = compiled.get((windows, window_steps))
                if fn is None:
                    tic = time.perf_counter()
                    fn = _compile(cfg, window_steps, args, shared=opts.start is not None)
                    compiled[(windows, window_steps)] = fn
                    timing["compile_s"] += time.perf_counter() - tic
                state, rows = fn(*args)
                collect()
                pending.append((rows, lo, hi, record, windows))
                t += windows * window_steps
                record += windows
                if sel:
                    _record_traj(got, state, sel, record)
                bar.update((hi - lo) * windows * window_steps)
                if opts.callback is not None:
                    opts.callback({"chunk": ci, "trials": (lo, hi), "step": t, "call": call})
                last_call = call == len(plan.calls) - 1
                # Process 0 decides, so every process gathers (and saves) at the same calls.
                if (
                    path is not None
                    and not last_call
                    and from_writer(time.monotonic() - last_save >= opts.checkpoint_every)
                ):
                    save(lo, hi, call + 1, state)
                    last_save = time.monotonic()
            kept = state.params if opts.keep_params else None
            if opts.keep_state:
                got.states.append(jax.tree.map(lambda a, k=hi - lo: a[:k], state))
            pending_ends.append(((state.diverged, state.diverged_at, kept), lo, hi))
            if path is not None:
                save(hi, hi, 0, None)
                last_save = time.monotonic()
        collect()
    finally:
        bar.close()
    timing["run_s"] = time.perf_counter() - tic_all - timing["compile_s"]
    return got, timing


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


def _empty(cfg: StepConfig, table: Table, init_fn, t_total: int, n_traj: int, opts) -> Collected:
    """Host buffers for every recorded metric (train, test, val, what the optimizer exposes as
    ``opt_<name>``), divergence flags and, when kept, parameters and trajectories (NaN-filled)."""
    n = table.n
    abstract = jax.eval_shape(
        init_fn,
        {k: jax.ShapeDtypeStruct((1,), jnp.float32) for k in table.numeric},
        jax.ShapeDtypeStruct((1,), jnp.uint32),
        jax.ShapeDtypeStruct((1,), jnp.int32),
    )
    exposed = tuple(f"opt_{k}" for k in exposed_scalars(abstract.opt_state))
    names = (*cfg.train_names, *cfg.test_names, *cfg.val_names, *exposed)
    host_params = lambda lead: jax.tree.map(
        lambda s: np.full((*lead, *s.shape[1:]), np.nan, s.dtype), abstract.params
    )
    return Collected(
        metrics={k: np.full((n, t_total), np.nan, np.float32) for k in names},
        diverged=np.zeros(n, bool),
        diverged_at=np.full(n, -1, np.int64),
        params=host_params((n,)) if opts.keep_params else None,
        traj=host_params((n_traj, t_total + 1)) if n_traj else None,
        states=[] if opts.keep_state else None,
    )


def _record_traj(got: Collected, state: TrialState, sel: list[tuple[int, int]], col: int) -> None:
    rows = np.asarray([j for j, _ in sel])
    params = to_host(jax.tree.map(lambda a: a[rows], state.params))
    for dst, src in zip(jax.tree.leaves(got.traj), jax.tree.leaves(params), strict=True):
        for r, (_, m) in enumerate(sel):
            dst[m, col] = src[r]


def _resume(opts: RunOptions, got: Collected, plan: Plan, n: int) -> tuple[int, Any]:
    """Read the checkpoint, if any: ``(done, partial)``.

    Trials ``[0, done)`` are finished (their results are restored into ``got``). ``partial`` is
    ``(call, arrays)`` to resume the chunk in progress at ``call`` from its saved state, or
    ``None`` to start the next chunk afresh: when nothing was saved mid-chunk, or when this run
    cuts the population otherwise (another chunk size or other calls, e.g. on another device);
    results do not depend on the cut (to float rounding), so a re-cut run still resumes.
    """
    path = opts.checkpoint
    if path is None:
        return 0, None
    meta, arrays = ckpt.load_checkpoint(path) if os.path.exists(path) else (None, None)
    text = b"" if meta is None else json.dumps(meta, sort_keys=True).encode()
    check_same_everywhere(f"checkpoint {os.fspath(path)!r}", text)
    if meta is None:
        return 0, None
    ckpt.check_identity(path, meta, opts.identity)
    got.restore(arrays)
    done = int(meta["done"])
    same_cut = (
        meta["chunk"] == [done, min(done + plan.chunk, n)]
        and meta["chunk_size"] == plan.chunk
        and meta["calls"] == [list(c) for c in plan.calls]
    )
    call = int(meta["call"])
    return done, ((call, arrays) if call > 0 and same_cut else None)
