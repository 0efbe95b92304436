"""Checkpoint files of a population run: one ``.npz``, written atomically, never unpickled.

The file holds the run's metadata (JSON text stored as a uint8 array under ``__meta__``), the
state of the chunk in progress (pytree leaves in ``jax.tree`` order; PRNG keys as their raw key
data) and every result collected so far. The metadata holds the sweep's identity (see
``_identity.py``): a checkpoint resumes only the sweep it was written for, and a mismatch is
refused with what differs.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from typing import Any

import jax
import numpy as np

from jaxscape._io import atomic_write_bytes
from jaxscape.population._identity import differences, fingerprint
from jaxscape.population.sharding import to_host

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
