"""Multi-layer perceptron with a width multiplier."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import jax
from flax import nnx

from jaxscape._checks import check_choice, check_positive_int
from jaxscape.models.spec import check_width, flat_size, scaled

_ACTIVATIONS = {"relu": nnx.relu, "tanh": nnx.tanh, "gelu": nnx.gelu, "sigmoid": nnx.sigmoid}


class _MLPModule(nnx.Module):
    def __init__(self, sizes: tuple[int, ...], activation: str, rngs: nnx.Rngs):
        self.layers = nnx.List([nnx.Linear(a, b, rngs=rngs) for a, b in itertools.pairwise(sizes)])
        self.activation = activation

    def __call__(self, x: jax.Array) -> jax.Array:
        act = _ACTIVATIONS[self.activation]
        h = x.reshape(x.shape[0], -1)
        for layer in self.layers[:-1]:
            h = act(layer(h))
        return self.layers[-1](h)


@dataclass(frozen=True)
class MLP:
    """Fully connected network ``input -> hidden... -> outputs`` on the flattened input.

    Args:
      hidden: widths of the hidden layers (before the width multiplier).
      width: multiplier applied to every hidden width (model-size studies); at least 1 unit.
      activation: ``"relu"`` (default), ``"tanh"``, ``"gelu"`` or ``"sigmoid"``.

    Example:
      >>> import jaxscape as js
      >>> prob = js.Problem.from_model(js.models.MLP(hidden=(32,)), js.data.digits())
      >>> prob.num_params  # 64*32 + 32 + 32*10 + 10 = 2410
      2410
    """

    hidden: tuple[int, ...] = (128,)
    width: float = 1.0
    activation: str = "relu"

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(self.hidden))
        for i, h in enumerate(self.hidden):
            check_positive_int(f"hidden[{i}]", h)
        check_width(self.width)
        check_choice("activation", self.activation, tuple(_ACTIVATIONS))

    def build(self, input_shape: tuple[int, ...], num_outputs: int, rngs: nnx.Rngs) -> nnx.Module:
        widths = tuple(scaled(self.width, h) for h in self.hidden)
        sizes = (flat_size(input_shape), *widths, num_outputs)
        return _MLPModule(sizes, self.activation, rngs)
