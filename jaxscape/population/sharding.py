"""Spreading the trial axis over the local devices with ``jax.sharding``.

Trials are independent, so the population is sharded along its leading axis and the data
(replicated) never moves between devices. For several hosts, start every process with
``jax.distributed.initialize()`` (JAX's multi-process runtime) before calling
:func:`jaxscape.sweep`; ``jax.devices()`` then lists the devices of every process and the same
mesh spans them all (each process must run the same sweep call).
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

AXIS = "trials"


def trial_mesh(devices: list[jax.Device] | None = None) -> Mesh:
    """A 1-D mesh over ``devices`` (default: all devices) named ``"trials"``."""
    devices = list(devices) if devices is not None else jax.devices()
    if not devices:
        raise ValueError("devices is empty")
    return Mesh(np.asarray(devices), (AXIS,))


def shard_trials(tree: Any, mesh: Mesh) -> Any:
    """Place every leaf with its leading (trial) axis split across the mesh."""
    sharding = NamedSharding(mesh, PartitionSpec(AXIS))
    return jax.device_put(tree, sharding)


def replicate(tree: Any, mesh: Mesh) -> Any:
    """Place every leaf whole on every device of the mesh."""
    return jax.device_put(tree, NamedSharding(mesh, PartitionSpec()))
