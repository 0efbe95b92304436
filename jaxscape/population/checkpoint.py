"""Checkpoint files of a population run: one ``.npz``, written atomically, never unpickled.

The file holds the run's metadata (JSON text stored as a uint8 array under ``__meta__``), the
state of the chunk in progress (pytree leaves in ``jax.tree`` order; PRNG keys as their raw key
data) and every result collected so far. The metadata holds the sweep's identity (see
``_identity.py``): a checkpoint resumes only the sweep it was written for, and a mismatch is
refused with what differs.

:class:`Checkpointer` decides when a run writes one and what goes in it; :func:`resume` reads
it back at the start of a run.
"""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

import jax
import numpy as np

from jaxscape._io import atomic_write_bytes
from jaxscape.population._collect import Collected, Collector
from jaxscape.population._identity import differences, fingerprint
from jaxscape.population.plan import Plan
from jaxscape.population.sharding import (
    after_write,
    check_same_everywhere,
    from_writer,
    is_writer,
    to_host,
)

META = "__meta__"
STATE = "state/"


def save_checkpoint(path: str | os.PathLike, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write ``meta`` and ``arrays`` to ``path`` atomically (uncompressed, fast)."""
    payload = {META: np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays}
    buf = io.BytesIO()
    np.savez(buf, **payload)
    atomic_write_bytes(path, buf.getvalue())


def load_checkpoint(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """Read a checkpoint written by :func:`save_checkpoint`.

    Raises:
      ValueError: naming the file, when it is truncated, corrupt or not a jaxscape checkpoint.
    """
    where = f"checkpoint {os.fspath(path)!r}"
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(arrays.pop(META).tobytes().decode()) if META in arrays else None
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as err:
        raise ValueError(
            f"{where} is truncated or corrupt ({type(err).__name__}: {err}); delete it to "
            "start the sweep afresh"
        ) from err
    if not isinstance(meta, dict):
        raise ValueError(f"{where} has no metadata; not a jaxscape checkpoint")
    return meta, arrays


def check_identity(path: str | os.PathLike, meta: dict, identity: dict) -> None:
    """Refuse a checkpoint written for another sweep, naming what differs."""
    if meta.get("fingerprint") == fingerprint(identity):
        return
    old = meta.get("identity")
    if not isinstance(old, dict):
        lines = ["it was written by an older jaxscape, without a sweep description"]
    else:
        new = json.loads(json.dumps(identity))
        parts = [k for k in new if old.get(k) != new[k]] + [k for k in old if k not in new]
        lines = ["what differs (checkpoint -> this sweep): " + ", ".join(parts)] + [
            f"  {line}" for line in differences(old, new, limit=4)
        ]
    raise ValueError(
        f"checkpoint {os.fspath(path)!r} was written for a different sweep: "
        + "\n".join(lines)
        + "\ndelete it or pass another checkpoint path"
    )


def _is_key(x: Any) -> bool:
    return jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key)


def state_arrays(state: Any) -> dict[str, np.ndarray]:
    """Host copies of the leaves of ``state`` under ``state/0000``…; keys as raw key data."""
    leaves = [jax.random.key_data(x) if _is_key(x) else x for x in jax.tree.leaves(state)]
    return {f"{STATE}{i:05d}": np.asarray(leaf) for i, leaf in enumerate(to_host(leaves))}


def restore_state(arrays: dict[str, np.ndarray], template: Any) -> Any:
    """Rebuild a state shaped like ``template`` from :func:`state_arrays` output."""
    leaves, treedef = jax.tree.flatten(template)
    restored = []
    for i, ref in enumerate(leaves):
        key = f"{STATE}{i:05d}"
        if key not in arrays:
            raise ValueError("checkpoint state does not match this sweep (missing leaves)")
        value = arrays[key]
        if _is_key(ref):
            value = jax.random.wrap_key_data(value, impl=jax.random.key_impl(ref))
            ok = value.shape == ref.shape
        else:
            ok = value.shape == ref.shape and value.dtype == ref.dtype
        if not ok:
            raise ValueError(
                "checkpoint state does not match this sweep "
                f"(leaf {i}: {value.shape} vs {ref.shape})"
            )
        restored.append(value)
    return jax.tree.unflatten(treedef, restored)


@dataclass
class Checkpointer:
    """Writes the checkpoint of a run of ``n`` trials cut by ``plan``.

    Mid-chunk at most every ``every`` seconds (process 0 decides, so every process gathers and
    saves at the same calls), and after each chunk. Every process gathers (a collective);
    process 0 writes.
    """

    path: str | os.PathLike
    identity: dict
    plan: Plan
    n: int
    every: float
    fingerprint: str = ""
    last_save: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.fingerprint = fingerprint(self.identity)

    def after_call(self, collector: Collector, lo: int, hi: int, call: int, state: Any) -> None:
        """After call ``call`` of chunk ``[lo, hi)`` (whose state is ``state``): save when
        ``every`` seconds have passed and the chunk has calls left."""
        if call == len(self.plan.calls) - 1:
            return
        if from_writer(time.monotonic() - self.last_save >= self.every):
            self.save(collector, lo, hi, call + 1, state)

    def save(self, collector: Collector, lo: int, hi: int, call: int, state: Any) -> None:
        """Trials ``[0, lo)`` are finished; with a ``state``, ``[lo, hi)`` is the chunk in
        progress before ``call`` (``hi, hi, 0, None`` after a chunk)."""
        collector.flush()
        arrays = collector.got.arrays()
        if state is not None:
            arrays.update(state_arrays(state))
        meta = {
            "fingerprint": self.fingerprint,
            "identity": self.identity,
            "n": self.n,
            "done": lo,
            "chunk": [lo, hi],
            "chunk_size": self.plan.chunk,
            "calls": [list(c) for c in self.plan.calls],
            "call": call,
        }
        if is_writer():
            save_checkpoint(self.path, meta, arrays)
        after_write(f"checkpoint {os.fspath(self.path)}")  # a later resume reads what was written
        self.last_save = time.monotonic()


def resume(
    path: str | os.PathLike | None, identity: dict | None, got: Collected, plan: Plan, n: int
) -> tuple[int, Any]:
    """Read the checkpoint at ``path``, if any: ``(done, partial)``.

    Trials ``[0, done)`` are finished (their results are restored into ``got``). ``partial`` is
    ``(call, arrays)`` to resume the chunk in progress at ``call`` from its saved state, or
    ``None`` to start the next chunk afresh: when nothing was saved mid-chunk, or when this run
    cuts the population otherwise (another chunk size or other calls, e.g. on another device);
    results do not depend on the cut (to float rounding), so a re-cut run still resumes.
    """
    if path is None:
        return 0, None
    meta, arrays = load_checkpoint(path) if os.path.exists(path) else (None, None)
    text = b"" if meta is None else json.dumps(meta, sort_keys=True).encode()
    check_same_everywhere(f"checkpoint {os.fspath(path)!r}", text)
    if meta is None:
        return 0, None
    check_identity(path, meta, identity)
    got.restore(arrays)
    done = int(meta["done"])
    same_cut = (
        meta["chunk"] == [done, min(done + plan.chunk, n)]
        and meta["chunk_size"] == plan.chunk
        and meta["calls"] == [list(c) for c in plan.calls]
    )
    call = int(meta["call"])
    return done, ((call, arrays) if call > 0 and same_cut else None)
