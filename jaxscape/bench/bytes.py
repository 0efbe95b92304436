"""Byte accounting of one optimizer update: what it must read and write, from shapes alone.

An update reads the parameters ``p``, the gradients ``g`` and the optimizer state ``s`` and writes
the new parameters and state. With ``|x|`` the bytes of a pytree (its leaves' element counts
times their item sizes):

.. math::

    \\text{read} = |p| + |g| + |s|, \\qquad \\text{write} = |p| + |s|,
    \\qquad \\text{moved} = \\text{read} + \\text{write}

This is the floor a fused update cannot go below: Adam in float32 keeps two moments, so it reads
``p, g, m, v`` (16 bytes per parameter) and writes ``p, m, v`` (12), 28 bytes per parameter
(plus a few bytes of step counter). The state's shapes come from ``jax.eval_shape`` of
``tx.init``, so nothing is allocated and any optax transformation (ours, optax's, a user's)
is counted the same way. A torch optimizer is counted from its ``state`` tensors after a step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import jax
import optax

from jaxscape.bench._torch_peer import torch_buffer_bytes


@dataclass(frozen=True)
class UpdateBytes:
    """Bytes one update reads and writes.

    Attributes:
      params: bytes of the parameters ``|p|`` (equal to the gradients' ``|g|``).
      state: bytes of the optimizer state ``|s|``.
      read: ``|p| + |g| + |s|``.
      write: ``|p| + |s|``.

    Example:
      >>> b = UpdateBytes(params=400, state=804)  # 100 float32: Adam's m, v and an int32 count
      >>> b.read, b.write, b.moved
      (1604, 1204, 2808)
    """

    params: int
    state: int

    @property
    def read(self) -> int:
        return 2 * self.params + self.state

    @property
    def write(self) -> int:
        return self.params + self.state

    @property
    def moved(self) -> int:
        """``read + write``: the bytes an update must move through memory at least."""
        return self.read + self.write


def tree_bytes(tree: Any) -> int:
    """Bytes of a pytree of arrays or ``jax.ShapeDtypeStruct`` (elements times item size).

    >>> import jax.numpy as jnp
    >>> tree_bytes({"w": jnp.zeros((3, 4)), "b": jnp.zeros(4, jnp.bfloat16)})
    56
    """
    return int(
        sum(math.prod(x.shape) * jax.numpy.dtype(x.dtype).itemsize for x in jax.tree.leaves(tree))
    )


def update_bytes(tx: optax.GradientTransformation, params: Any) -> UpdateBytes:
    """Bytes one update of ``tx`` on ``params`` reads and writes (see the module docstring).

    Args:
      tx: any optax ``GradientTransformation``.
      params: a pytree of arrays or ``jax.ShapeDtypeStruct`` (nothing is allocated).

    Returns:
      An :class:`UpdateBytes`; ``moved / n`` is the bytes per parameter.

    Example:
      >>> import jax, jax.numpy as jnp, optax
      >>> p = jax.ShapeDtypeStruct((1000,), jnp.float32)
      >>> b = update_bytes(optax.adam(1e-3), p)
      >>> b.read, b.write, b.moved // 1000   # p, g, m, v read; p, m, v written (+ int32 count)
      (16004, 12004, 28)
    """
    if not isinstance(tx, optax.GradientTransformation):
        raise TypeError(f"tx must be an optax GradientTransformation, got {type(tx).__name__}")
    state = jax.eval_shape(tx.init, params)
    return UpdateBytes(params=tree_bytes(params), state=tree_bytes(state))


def torch_update_bytes(optimizer: Any) -> UpdateBytes:
    """Bytes of a ``torch.optim`` optimizer's update, from its parameters and ``state`` tensors.

    Call it after at least one ``step()`` (torch creates its state lazily).
    """
    params, state = torch_buffer_bytes(optimizer)
    return UpdateBytes(params=params, state=state)
