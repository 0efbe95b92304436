"""``Direction``: a vector in weight space (and optionally in model-state space), with its origin.

Every direction constructor in :mod:`jaxscape.landscape` returns a :class:`Direction`. It is a
pytree (``params`` and ``state`` are its children; ``kind``, ``normalization`` and
``ignore_biasbn`` are static metadata), so ``jax.tree.map`` works on it directly, and
:func:`~jaxscape.landscape.line`/:func:`~jaxscape.landscape.plane` record where it came from.
A plain parameter pytree is accepted wherever a direction is (it becomes ``kind="custom"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jax

Params = Any
State = Any

KINDS = (
    "random",
    "target",
    "pca",
    "hessian_eigenvector",
    "custom",
)


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class Direction:
    """A direction in weight space.

    Attributes:
      params: pytree with the structure and shapes of the model parameters.
      state: ``None`` (the direction moves parameters only), or a pytree with the structure of
        the model state (batch statistics...) used when a landscape is evaluated with
        ``move="all"``. Only its float leaves matter; non-float state leaves (RNG keys,
        counters) never move.
      kind: where it came from: ``"random"``, ``"target"`` (between two weight sets), ``"pca"``
        (of a trajectory), ``"hessian_eigenvector"`` or ``"custom"``.
      normalization: ``"filter"``, ``"layer"``, ``"none"`` or ``"unit"`` (unit Euclidean norm).
      ignore_biasbn: whether 1-D leaves (biases, norm scales) were zeroed.

    Example:
      >>> import jax.numpy as jnp
      >>> d = Direction({"w": jnp.ones((2, 3))})
      >>> d.kind, jax.tree.map(lambda x: 2 * x, d).params["w"][0, 0].item()
      ('custom', 2.0)
    """

    params: Params
    state: State = None
    kind: str = field(default="custom", metadata={"static": True})
    normalization: str = field(default="none", metadata={"static": True})
    ignore_biasbn: bool = field(default=False, metadata={"static": True})

    @property
    def moves_state(self) -> bool:
        """True when the direction has a state part (for ``move="all"``)."""
        return self.state is not None


def as_direction(value: Any) -> Direction:
    """``value`` if it is a :class:`Direction`, else a ``"custom"`` direction of those params."""
    return value if isinstance(value, Direction) else Direction(params=value)
