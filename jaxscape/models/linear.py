"""Linear models: least-squares regression and multinomial logistic regression."""

from __future__ import annotations

from dataclasses import dataclass

import jax
from flax import nnx

from jaxscape.models.spec import flat_size


class _LinearModule(nnx.Module):
    def __init__(self, in_features: int, out_features: int, rngs: nnx.Rngs):
        self.linear = nnx.Linear(in_features, out_features, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.linear(x.reshape(x.shape[0], -1))


@dataclass(frozen=True)
class LinearRegression:
    """``y = x W + b`` on the flattened input, trained with mean squared error.

    Output ``[B, k]`` for ``k`` targets (``k = 1`` for scalar targets).

    Example:
      >>> import jaxscape as js
      >>> prob = js.Problem.from_model(js.models.LinearRegression(), js.data.house_prices())
      >>> prob.loss_name
      'mse'
    """

    def build(self, input_shape: tuple[int, ...], num_outputs: int, rngs: nnx.Rngs) -> nnx.Module:
        return _LinearModule(flat_size(input_shape), num_outputs, rngs)


@dataclass(frozen=True)
class LogisticRegression:
    """Multinomial logistic regression: logits ``x W + b`` on the flattened input.

    Output ``[B, C]`` logits, trained with cross-entropy.

    Example:
      >>> import jaxscape as js
      >>> prob = js.Problem.from_model(js.models.LogisticRegression(), js.data.digits())
      >>> prob.num_params
      650
    """

    def build(self, input_shape: tuple[int, ...], num_outputs: int, rngs: nnx.Rngs) -> nnx.Module:
        return _LinearModule(flat_size(input_shape), num_outputs, rngs)
