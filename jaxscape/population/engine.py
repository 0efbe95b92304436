"""The host loop of a population run: chunks of trials, compiled calls, progress, checkpoints."""

from __future__ import annotations

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
from jaxscape.population import checkpoint as ckpt
from jaxscape.population.plan import Plan
from jaxscape.population.sharding import replicate, shard_trials
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
    mesh: jax.sharding.Mesh | None
    fingerprint: str


@dataclass
class Collected:
    """Everything gathered on the host so far (also what a checkpoint stores)."""

    metrics: dict[str, np.ndarray]  # [N, T]
    diverged: np.ndarray  # [N]
    diverged_at: np.ndarray  # [N]
    params: Any  # leaves [N, ...] or None
    traj: Any  # leaves [m, T+1, ...] or None

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
    prob, dummy = cfg.prob, jnp.zeros((1,), jnp.float32)
    if prob.data is None:
        return dummy, dummy, dummy, dummy
    test = prob.data.test
    x_te, y_te = (test.x, test.y) if cfg.record_test else (dummy, dummy)
    return prob.data.train.x, prob.data.train.y, x_te, y_te


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
    names = (*cfg.train_names, *cfg.test_names)
    x, y, x_te, y_te = _data_args(cfg)
    n_train = 0 if cfg.prob.data is None else cfg.prob.data.n_train
    mesh = opts.mesh
    if mesh is not None:
        x, y, x_te, y_te = replicate((x, y, x_te, y_te), mesh)

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
    abstract = jax.eval_shape(
        init_fn,
        {k: jax.ShapeDtypeStruct((1,), jnp.float32) for k in table.numeric},
        jax.ShapeDtypeStruct((1,), jnp.uint32),
        jax.ShapeDtypeStruct((1,), jnp.int32),
    )
    host_params = lambda lead: jax.tree.map(
        lambda s: np.full((*lead, *s.shape[1:]), np.nan, s.dtype), abstract.params
    )
    got = Collected(
        metrics={k: np.full((n, t_total), np.nan, np.float32) for k in names},
        diverged=np.zeros(n, bool),
        diverged_at=np.full(n, -1, np.int64),
        params=host_params((n,)) if opts.keep_params else None,
        traj=host_params((traj_sel.size, t_total + 1)) if traj_sel.size else None,
    )

    start_chunk, start_call, restored = 0, 0, None
    path = opts.checkpoint
    if path is not None and os.path.exists(path):
        meta, arrays = ckpt.load_checkpoint(path)
        if meta.get("fingerprint") != opts.fingerprint:
            raise ValueError(
                f"checkpoint {os.fspath(path)!r} belongs to a different sweep (other problem, "
                "optimizer, table or settings); delete it or pass another checkpoint path"
            )
        got.restore(arrays)
        start_chunk, start_call = meta["chunk"], meta["call"]
        restored = arrays if meta["call"] > 0 else None

    chunks = plan.chunks(n)
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
    done_steps = sum(hi - lo for lo, hi in chunks[:start_chunk]) * plan.steps
    if start_chunk < len(chunks) and start_call:
        lo, hi = chunks[start_chunk]
        done_steps += (hi - lo) * sum(w * e for w, e in plan.calls[:start_call])
    bar.update(done_steps)

    tables: dict[tuple[int, int, int], jax.Array] = {}

    def batch_table(seeds_slot, t: int, windows: int, window_steps: int) -> jax.Array:
        # Shared and full batching read the same indices in every chunk: build them once.
        key = (t, windows, window_steps)
        if cfg.batching != "per_seed" and key in tables:
            return tables[key]
        table = jnp.asarray(_batch_table(cfg, opts, seeds_slot, n_train, t, windows, window_steps))
        if mesh is not None:
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
            rows = jax.device_get(rows)
            for k in names:
                got.metrics[k][lo:hi, record : record + windows] = rows[k][:, : hi - lo].T
        pending.clear()
        for end, lo, hi in pending_ends:
            diverged, diverged_at, params = jax.device_get(end)
            got.diverged[lo:hi] = diverged[: hi - lo]
            got.diverged_at[lo:hi] = diverged_at[: hi - lo]
            if params is not None:
                for dst, src in zip(
                    jax.tree.leaves(got.params), jax.tree.leaves(params), strict=True
                ):
                    dst[lo:hi] = src[: hi - lo]
        pending_ends.clear()

    def save(ci: int, call: int, state: TrialState | None) -> None:
        collect()
        arrays = got.arrays()
        if state is not None:
            arrays.update(ckpt.state_arrays(state))
        meta = {"fingerprint": opts.fingerprint, "chunk": ci, "call": call, "n": n}
        ckpt.save_checkpoint(path, meta, arrays)

    tic_all = time.perf_counter()
    try:
        for ci in range(start_chunk, len(chunks)):
            lo, hi = chunks[ci]
            idx, hp, seeds_slot, slot = _chunk_inputs(table, lo, hi, size, n_slots)
            seeds_dev = jnp.asarray(seeds_slot.astype(np.uint32))
            hp_dev, slot_dev = {k: jnp.asarray(v) for k, v in hp.items()}, jnp.asarray(slot)
            if mesh is not None:
                hp_dev, slot_dev = shard_trials((hp_dev, slot_dev), mesh)
                seeds_dev = replicate(seeds_dev, mesh)
            state = init_jit(hp_dev, seeds_dev, slot_dev)
            if mesh is not None:
                state = shard_trials(state, mesh)
            sel = [
                (j, int(np.flatnonzero(traj_sel == i)[0]))
                for j, i in enumerate(idx[: hi - lo])
                if i in traj_sel
            ]
            first_call = start_call if ci == start_chunk else 0
            if restored is not None and ci == start_chunk:
                state = ckpt.restore_state(restored, state)
                if mesh is not None:
                    state = shard_trials(state, mesh)
            elif sel:
                _record_traj(got, state, sel, 0)
            t = sum(w * e for w, e in plan.calls[:first_call])
            record = sum(w for w, _ in plan.calls[:first_call])
            for call in range(first_call, len(plan.calls)):
                windows, window_steps = plan.calls[call]
                bidx = batch_table(seeds_slot, t, windows, window_steps)
                args = (state, slot_dev, jnp.int32(t), bidx, x, y, x_te, y_te)
                fn = compiled.get((windows, window_steps))
                if fn is None:
                    tic = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.filterwarnings("ignore", message=".*donated.*")
                        fn = (
                            jax.jit(make_advance(cfg, window_steps), donate_argnums=0)
                            .lower(*args)
                            .compile()
                        )
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
                if (
                    path is not None
                    and not last_call
                    and (time.monotonic() - last_save >= opts.checkpoint_every)
                ):
                    save(ci, call + 1, state)
                    last_save = time.monotonic()
            kept = state.params if opts.keep_params else None
            pending_ends.append(((state.diverged, state.diverged_at, kept), lo, hi))
            if path is not None:
                save(ci + 1, 0, None)
                last_save = time.monotonic()
        collect()
    finally:
        bar.close()
    timing["run_s"] = time.perf_counter() - tic_all - timing["compile_s"]
    return got, timing


def _record_traj(got: Collected, state: TrialState, sel: list[tuple[int, int]], col: int) -> None:
    rows = np.asarray([j for j, _ in sel])
    params = jax.device_get(jax.tree.map(lambda a: a[rows], state.params))
    for dst, src in zip(jax.tree.leaves(got.traj), jax.tree.leaves(params), strict=True):
        for r, (_, m) in enumerate(sel):
            dst[m, col] = src[r]
