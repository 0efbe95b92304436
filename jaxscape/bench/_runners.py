"""Zero-argument callables doing one optimizer update each, for :func:`~._timing.measure`.

Every runner closes over its parameters and state and advances them on each call (so donated
buffers are timed as they are used) and returns the new parameters, on which the timing loop
blocks. The torch.optim peers are built in a process of their own (:mod:`._torch_peer`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

JAX_VARIANTS = ("tree", "donated", "flat")
TORCH_VARIANTS = ("foreach", "fused")


def leaf_sizes(total: int, leaves: int) -> list[int]:
    """``leaves`` sizes summing to ``total``, as equal as possible.

    >>> leaf_sizes(10, 3)
    [4, 3, 3]
    """
    base, extra = divmod(total, leaves)
    return [base + (i < extra) for i in range(leaves)]


def shapes(total: int, leaves: int, dtype: Any, variant: str) -> list[jax.ShapeDtypeStruct]:
    """The parameter leaves of a variant: ``flat`` is one buffer, the others ``leaves``."""
    sizes = [total] if variant == "flat" else leaf_sizes(total, leaves)
    return [jax.ShapeDtypeStruct((n,), dtype) for n in sizes]


def jax_runner(
    tx: optax.GradientTransformation, total: int, leaves: int, dtype: Any, variant: str
) -> Callable[[], Any]:
    """One jitted update per call; ``donated``/``flat`` donate parameters and state."""
    donate = (0, 1) if variant in ("donated", "flat") else ()

    @functools.partial(jax.jit, donate_argnums=donate)
    def step(params, state, grads):
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    specs = shapes(total, leaves, dtype, variant)
    params = [jnp.full(s.shape, 0.01, s.dtype) for s in specs]
    grads = [jnp.full(s.shape, 1e-3, s.dtype) for s in specs]
    box = [params, tx.init(params)]

    def run():
        box[0], box[1] = step(box[0], box[1], grads)
        return box[0]

    return run


def copy_runners(total: int, dtype: Any) -> dict[str, Callable[[], Any]]:
    """A pass reading and writing ``total`` elements once: the device's copy bandwidth.

    A donated jitted ``x + 1``: it reads and writes its buffer in place, as an update does (the
    torch passes, ``copy_`` and an in-place ``add_``, run in the torch peers' own process, see
    :mod:`._torch_peer`).
    """
    bump = jax.jit(lambda x: x + 1, donate_argnums=0)
    box = [jnp.ones((total,), dtype)]

    def jax_pass():
        box[0] = bump(box[0])
        return box[0]

    return {"jax x+1 (donated)": jax_pass}
