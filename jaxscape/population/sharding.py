"""Spreading the trial axis over devices with ``jax.sharding``, in one process or several.

Trials are independent, so the population is sharded along its leading axis and the data
(replicated) never moves between devices. A sweep always runs on a mesh of the devices it is
given, so ``devices=[d]`` runs on ``d``.

Several processes (hosts): start every process with ``jax.distributed.initialize()`` (JAX's
multi-process runtime) and make the same :func:`jaxscape.sweep` call in each; ``jax.devices()``
then lists the devices of every process and one mesh spans them all. Results are gathered from
every process's devices (:func:`to_host`), so every process returns the same result; only
process 0 writes the checkpoint (every process reads it, and they check they read the same
file), and the chunk size is the smallest any process chose. Write result files from one
process only (``if jax.process_index() == 0: res.save(...)``).
"""

from __future__ import annotations

import hashlib
from typing import Any

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

AXIS = "trials"


def trial_mesh(devices: list[jax.Device] | None = None) -> Mesh:
    """A 1-D mesh over ``devices`` (default: all devices) named ``"trials"``."""
    devices = list(devices) if devices is not None else jax.devices()
    if not devices:
        raise ValueError("devices is empty")
    return Mesh(np.asarray(devices), (AXIS,))


def _is_key(x: Any) -> bool:
    return jax.dtypes.issubdtype(getattr(x, "dtype", np.float32), jax.dtypes.prng_key)


def _put(tree: Any, sharding: NamedSharding) -> Any:
    """``device_put`` of every leaf in one batched call, that also works across processes:
    host-local arrays go as NumPy arrays (every process holds the same values) and PRNG keys
    travel as their key data."""
    multi = jax.process_count() > 1
    leaves, treedef = jax.tree.flatten(tree)
    impls = [jax.random.key_impl(x) if _is_key(x) else None for x in leaves]
    raw = [x if k is None else jax.random.key_data(x) for x, k in zip(leaves, impls, strict=True)]
    if multi:
        raw = [np.asarray(x) if _host_local(x) else x for x in raw]
    moved = [i for i, x in enumerate(raw) if not _placed(x, sharding)]
    placed = list(raw)  # arrays already placed so stay as they are (no wait for their values)
    if moved:
        for i, x in zip(moved, jax.device_put([raw[i] for i in moved], sharding), strict=True):
            placed[i] = x
    out = [
        p if k is None else jax.random.wrap_key_data(p, impl=k)
        for p, k in zip(placed, impls, strict=True)
    ]
    return treedef.unflatten(out)


def _placed(x: Any, sharding: NamedSharding) -> bool:
    """Whether ``x`` is a device array laid out as ``sharding`` already."""
    return isinstance(x, jax.Array) and x.sharding.is_equivalent_to(sharding, x.ndim)


def _host_local(x: Any) -> bool:
    return isinstance(x, jax.Array) and x.is_fully_addressable


def shard_trials(tree: Any, mesh: Mesh) -> Any:
    """Place every leaf with its leading (trial) axis split across the mesh."""
    return _put(tree, NamedSharding(mesh, PartitionSpec(AXIS)))


def replicate(tree: Any, mesh: Mesh) -> Any:
    """Place every leaf whole on every device of the mesh."""
    return _put(tree, NamedSharding(mesh, PartitionSpec()))


def to_host(tree: Any) -> Any:
    """NumPy copies of every leaf, gathered from every process's devices when needed.

    With several processes every process must call this at the same point (a collective).
    PRNG key leaves are not accepted (pass their ``jax.random.key_data``).
    """
    if jax.process_count() == 1:
        return jax.device_get(tree)

    def get(x):
        if isinstance(x, jax.Array) and not x.is_fully_addressable:
            return np.asarray(multihost_utils.process_allgather(x, tiled=True))
        return np.asarray(x)

    return jax.tree.map(get, tree)


def is_writer() -> bool:
    """Whether this process writes files (process 0)."""
    return jax.process_index() == 0


def after_write(name: str) -> None:
    """Wait until every process reaches this point (a barrier with several processes): called
    by all of them after process 0 wrote a file, so none reads it before it is written."""
    if jax.process_count() > 1:
        multihost_utils.sync_global_devices(name)


def from_writer(flag: bool) -> bool:
    """Process 0's ``flag`` in every process (a collective with several processes), so that
    every process takes the same branch (e.g. whether to checkpoint now)."""
    if jax.process_count() == 1:
        return bool(flag)
    return bool(multihost_utils.broadcast_one_to_all(np.int32(bool(flag))))


def smallest(value: int) -> int:
    """The smallest ``value`` over all processes (a collective with several processes)."""
    if jax.process_count() == 1:
        return int(value)
    return int(np.min(multihost_utils.process_allgather(np.int64(value))))


def check_same_everywhere(what: str, data: bytes) -> None:
    """Raise in every process unless every process holds the same ``data`` (e.g. the bytes of
    the checkpoint it read; a collective with several processes)."""
    if jax.process_count() == 1:
        return
    digest = np.frombuffer(hashlib.sha256(data).digest(), np.uint8)
    every = np.asarray(multihost_utils.process_allgather(digest))
    if not np.all(every == every[0]):
        raise ValueError(
            f"the processes read different {what}; it must lie on a filesystem every "
            "process sees, and no other program may write it during the sweep"
        )
