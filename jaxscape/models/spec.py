"""Model specifications: architectures whose input and output sizes come from the data.

A spec is a small frozen dataclass (``MLP(hidden=(128,))``) that knows how to build a flax NNX
module once the data's input shape and number of outputs are known. Anything else that maps
``rngs -> nnx.Module`` is accepted too (see :func:`resolve_factory`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from flax import nnx

from jaxscape._checks import check_range


@runtime_checkable
class ModelSpec(Protocol):
    """An architecture that can be instantiated for a given input shape and output count."""

    def build(
        self, input_shape: tuple[int, ...], num_outputs: int, rngs: nnx.Rngs
    ) -> nnx.Module:  # pragma: no cover - protocol
        ...


ModuleFactory = Callable[[nnx.Rngs], nnx.Module]


def scaled(width: float, channels: int) -> int:
    """``channels`` scaled by the width multiplier, at least 1."""
    return max(1, round(width * channels))


def check_width(width: float) -> float:
    check_range("width", width, low=0.0, low_open=True)
    return float(width)


def flat_size(input_shape: tuple[int, ...]) -> int:
    return math.prod(input_shape)


def resolve_factory(
    model: ModelSpec | ModuleFactory, input_shape: tuple[int, ...], num_outputs: int
) -> ModuleFactory:
    """Turn a spec or a user ``rngs -> nnx.Module`` callable into an ``rngs -> Module`` factory."""
    if isinstance(model, ModelSpec):
        return lambda rngs: model.build(input_shape, num_outputs, rngs)
    if callable(model):
        return model
    raise TypeError(
        "model must be a jaxscape.models spec (e.g. MLP(hidden=(128,))) or a callable "
        f"rngs -> nnx.Module, got {type(model).__name__}"
    )
