"""The inputs of one chunk of a population run: its trials, seeds, hyperparameters and the
mini-batch indices each compiled call reads, placed on the devices."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxscape.data.stream import is_streamed
from jaxscape.population._batch_mask import slot_keys, slot_rows
from jaxscape.population.programs import memo
from jaxscape.population.sharding import replicate, shard_trials
from jaxscape.population.step import StepConfig
from jaxscape.population.table import Table


def device_data(cfg: StepConfig, mesh) -> tuple:
    """:func:`place_data`, once per data set, recorded splits and mesh (the process-wide memo
    holds the splits while it keeps their placement): a second sweep on the same data (a search
    batch, a rung, a procedure's step) reuses the placed arrays."""
    key = (data_splits(cfg.prob.data), cfg.record_test, cfg.record_val, mesh)
    return memo("device_data", key, lambda: place_data(cfg, mesh))


def data_splits(data: Any) -> tuple:
    """``(train, test, val)`` splits of a data set (``()`` without one): a memo key part that
    names the values by identity (the memo holds them while it keeps the entry)."""
    return () if data is None else (data.train, data.test, getattr(data, "val", None))


def place_data(cfg: StepConfig, mesh) -> tuple:
    """``(x, y, x_test, y_test, x_val, y_val)`` replicated on ``mesh``; a split that is not
    recorded (or a problem without data) is a dummy, and so is a streamed training split (one
    row of zeros: each window's rows come with its calls, see :meth:`BatchTables.streamed`)."""
    prob, dummy = cfg.prob, jnp.zeros((1,), jnp.float32)
    if prob.data is None:
        return replicate((dummy,) * 6, mesh)
    test, val, train = prob.data.test, getattr(prob.data, "val", None), prob.data.train
    x_te, y_te = (test.x, test.y) if cfg.record_test else (dummy, dummy)
    x_va, y_va = (val.x, val.y) if cfg.record_val else (dummy, dummy)
    x, y = train.x, train.y
    if is_streamed(prob.data):
        x, y = (np.zeros((1, *a.shape[1:]), a.dtype) for a in (x, y))
    return replicate((x, y, x_te, y_te, x_va, y_va), mesh)


def seed_slots(cfg: StepConfig, table: Table, size: int) -> int:
    """Distinct ``(seed, batch size)`` slots a chunk of ``size`` trials holds (1 unless
    batches are per seed; see ``_batch_mask.py``)."""
    keys = slot_keys(table.seeds, table.batch_sizes)
    return 1 if cfg.batching != "per_seed" else min(size, len(set(keys)))


@dataclass(frozen=True)
class ChunkInputs:
    """Trials ``[lo, hi)`` padded to the chunk size (padding repeats trial ``lo``).

    Attributes:
      lo, hi: the chunk's range of trials (progress and checkpoints count these).
      idx: ``[size]`` the trial of each row.
      trials: ``[m]`` the real trials, the first ``m`` rows (``arange(lo, hi)``, or the live
        trials of a compacted chunk).
      seeds: ``[S]`` int64 seeds of the distinct ``(seed, batch size)`` slots (host);
        ``sizes``: ``[S]`` their batch sizes (``0``: the sweep's ``batch_size``).
      hp: ``{name: [size]}`` hyperparameters; ``slot``: ``[size]`` each row's index into
        ``seeds``; both sharded over the trial axis.
      sel: ``(row, m)`` for each row whose parameters trajectory ``m`` keeps.
    """

    lo: int
    hi: int
    idx: np.ndarray
    trials: np.ndarray
    seeds: np.ndarray
    sizes: np.ndarray
    hp: dict
    slot: Any
    sel: tuple[tuple[int, int], ...]


def chunk_inputs(
    table: Table, lo: int, hi: int, size: int, n_slots: int, trajectory: tuple, mesh
) -> ChunkInputs:
    """The :class:`ChunkInputs` of trials ``[lo, hi)``."""
    return inputs_of(table, np.arange(lo, hi), (lo, hi), size, n_slots, trajectory, mesh)


def inputs_of(
    table: Table, trials: np.ndarray, span: tuple[int, int], size: int, n_slots: int,
    trajectory: tuple, mesh,
) -> ChunkInputs:  # fmt: skip
    """The :class:`ChunkInputs` of ``trials`` (``[m]``, padded to ``size`` with the first) in
    the chunk ``span = (lo, hi)``."""
    lo, hi = span
    idx = np.concatenate([trials, np.full(size - trials.size, trials[0])]).astype(np.int64)
    sizes = table.batch_sizes
    keys = slot_keys(table.seeds[idx], None if sizes is None else sizes[idx])
    uniq = list(dict.fromkeys(keys))
    uniq += [uniq[0]] * (n_slots - len(uniq))
    slot = np.asarray([uniq.index(k) for k in keys], np.int32)
    hp = {k: v[idx] for k, v in table.numeric.items()}
    seeds, sizes = (np.asarray(c, np.int64) for c in zip(*uniq, strict=True))
    hp_dev, slot_dev = shard_trials((hp, slot), mesh)
    sel = tuple((j, trajectory.index(i)) for j, i in enumerate(trials) if i in trajectory)
    return ChunkInputs(
        lo=lo,
        hi=hi,
        idx=idx,
        trials=np.asarray(trials, np.int64),
        seeds=seeds,
        sizes=sizes,
        hp=hp_dev,
        slot=slot_dev,
        sel=sel,
    )


#: The largest batch table (bytes) kept on the devices for the whole process.
SHARED_TABLE_BYTES = 1 << 18

#: Bytes of a streamed split's window rows one run keeps for its later chunks.
STREAM_KEEP_BYTES = 512 * 2**20


@dataclass
class BatchTables:
    """The mini-batch indices of each compiled call, on the devices.

    Shared and full batching read the same indices in every chunk: they are built once per
    ``(t, windows, window_steps)`` and kept; per-seed tables depend on the chunk's seeds.

    A streamed split's windows are read once and kept for the run's later chunks (which read the
    same rows when they share a batch order) while they fit :data:`STREAM_KEEP_BYTES`; once it
    is full, the first windows stay and later ones are read again by each chunk (chunks run the
    windows in order, so keeping the first beats evicting them).
    """

    cfg: StepConfig
    batch_size: int | None
    mesh: Any
    kept: dict[tuple, Any] = field(default_factory=dict)
    held_bytes: int = 0  # the streamed windows' rows kept (see :meth:`streamed`)

    def get(self, inputs: ChunkInputs, t: int, windows: int, window_steps: int) -> jax.Array:
        """The indices of one call's steps on the devices. A table of at most
        :data:`SHARED_TABLE_BYTES` is placed once per process (by its values' digest): a second
        sweep with the same batch order (a search's batches, a repeated call) sends nothing."""
        host = self.host(inputs, t, windows, window_steps)
        place = lambda: replicate(host, self.mesh)
        if host.nbytes > SHARED_TABLE_BYTES:
            return self._keep(("device", t, windows, window_steps), place)
        digest = hashlib.blake2b(host.tobytes(), digest_size=16).digest()
        return memo("batch_table", (host.shape, host.dtype.str, digest, self.mesh), place,
                    prepared=True)  # fmt: skip

    def streamed(self, rows: np.ndarray) -> tuple[Any, Any, Any]:
        """``(table, x, y)`` on the devices for one window of a streamed training split:
        ``x``/``y`` the rows ``rows`` (``[window_steps, B]`` or ``[window_steps, S, B]``, this
        window's slice of a :meth:`host` table) read from the host, in that order, and
        ``table`` the indices ``0 .. rows.size - 1`` in ``rows``'s shape, so the compiled
        step's gather ``x[table[...]]`` reads the very rows ``x_train[rows[...]]``."""
        data = self.cfg.prob.data
        flat = rows.reshape(-1)
        local = self.kept.get(("local", rows.shape))
        if local is None:
            local = replicate(np.arange(flat.size, dtype=np.int32).reshape(rows.shape), self.mesh)
            self.kept[("local", rows.shape)] = local
        key = ("rows", rows.shape, rows.tobytes())
        placed = self.kept.get(key)
        if placed is None:
            x, y = data.train.x.take(flat), data.train.y.take(flat)
            placed = replicate((x, y), self.mesh)
            if self.held_bytes + x.nbytes + y.nbytes <= STREAM_KEEP_BYTES:
                self.kept[key] = placed
                self.held_bytes += x.nbytes + y.nbytes
        return local, *placed

    def host(self, inputs: ChunkInputs, t: int, windows: int, window_steps: int) -> np.ndarray:
        """The indices of one call's steps on the host (the layout of :meth:`get`), kept as
        :meth:`get` keeps its tables."""
        build = lambda: self._build(inputs.seeds, inputs.sizes, t, windows, window_steps)
        return self._keep(("host", t, windows, window_steps), build)

    def _keep(self, key: tuple, build) -> Any:
        """``build()``, kept under ``key`` unless tables are per seed (they depend on the
        chunk's seeds)."""
        if self.cfg.batching == "per_seed":
            return build()
        if key not in self.kept:
            self.kept[key] = build()
        return self.kept[key]

    def _build(
        self, seeds: np.ndarray, sizes: np.ndarray, t: int, windows: int, window_steps: int
    ) -> np.ndarray:
        count = windows * window_steps
        if self.cfg.batching == "full":
            return np.zeros((windows, window_steps), np.int32)
        n_train = self.cfg.prob.data.n_train
        per = [
            slot_rows(int(s), n_train, self.batch_size, int(b), t, count)
            for s, b in zip(seeds, sizes, strict=True)
        ]
        if self.cfg.batching == "shared":
            return per[0].reshape(windows, window_steps, -1)
        stacked = np.stack(per, axis=1)  # [count, S, B]
        return stacked.reshape(windows, window_steps, len(seeds), -1)
