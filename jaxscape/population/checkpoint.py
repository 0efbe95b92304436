"""Checkpoint files of a population run: one ``.npz``, written atomically, never unpickled.

The file holds the run's metadata (JSON text stored as a uint8 array under ``__meta__``), the
state of the chunk in progress (pytree leaves in ``jax.tree`` order; PRNG keys as their raw key
data) and every result collected so far.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any

import jax
import numpy as np

from jaxscape._io import atomic_write_bytes

META = "__meta__"
STATE = "state/"


def save_checkpoint(path: str | os.PathLike, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write ``meta`` and ``arrays`` to ``path`` atomically (uncompressed, fast)."""
    payload = {META: np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays}
    buf = io.BytesIO()
    np.savez(buf, **payload)
    atomic_write_bytes(path, buf.getvalue())


def load_checkpoint(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """Read a checkpoint written by :func:`save_checkpoint`."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as err:
        raise ValueError(
            f"checkpoint {os.fspath(path)!r} is not a readable jaxscape checkpoint: {err}"
        ) from err
    if META not in arrays:
        raise ValueError(
            f"checkpoint {os.fspath(path)!r} has no metadata; not a jaxscape checkpoint"
        )
    meta = json.loads(arrays.pop(META).tobytes().decode())
    return meta, arrays


def _is_key(x: Any) -> bool:
    return jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key)


def state_arrays(state: Any) -> dict[str, np.ndarray]:
    """Host copies of the leaves of ``state`` under ``state/0000``…; keys as raw key data."""
    leaves = jax.tree.leaves(jax.device_get(state))
    out = {}
    for i, leaf in enumerate(leaves):
        out[f"{STATE}{i:05d}"] = np.asarray(jax.random.key_data(leaf) if _is_key(leaf) else leaf)
    return out


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
