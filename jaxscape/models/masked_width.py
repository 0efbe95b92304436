"""Width as a table column: an MLP whose hidden units are masked per trial, within one population.

A population holds one set of arrays, so trials of different widths share the largest one and a
trial of width multiplier ``w`` uses the first ``n_l = max(1, round(w * hidden_l))`` units of
each hidden layer, the others masked to zero. That reproduces the narrow network trained alone
*exactly* (to float rounding) because of two choices:

- every weight is drawn from its own key, ``W_l[i, j] ~ N(0, 1)`` from
  ``fold_in(fold_in(fold_in(key, l), i), j)``, so a narrow network's weights are the top-left
  block of a wide one's (biases start at 0);
- each layer scales its input by ``1 / sqrt(fan_in)`` in the forward pass, ``fan_in`` the
  trial's active width (the NTK parametrisation; at initialisation this has the variance of
  LeCun's normal initialiser), so the scale follows the trial's width, not the arrays' size.

A masked unit's output is 0, so its weights get zero gradients and never affect the trial.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from jaxscape import losses
from jaxscape._checks import check_choice, check_positive_int, check_range

_ACTIVATIONS = {"relu": jax.nn.relu, "tanh": jnp.tanh, "gelu": jax.nn.gelu}

#: The table column that sets each trial's width multiplier.
WIDTH = "width"


@functools.partial(jax.jit, static_argnums=(1, 2))
def _normal_block(key: jax.Array, rows: int, cols: int) -> jax.Array:
    """``[rows, cols]`` standard normals, entry ``(i, j)`` from ``fold_in(fold_in(key, i), j)``
    (a block of a larger draw is the smaller draw)."""

    def entry(i, j):
        return jax.random.normal(jax.random.fold_in(jax.random.fold_in(key, i), j), ())

    return jax.vmap(lambda i: jax.vmap(lambda j: entry(i, j))(jnp.arange(cols)))(jnp.arange(rows))


@dataclass(frozen=True)
class WidthMLP:
    """A fully connected network ``input -> hidden... -> outputs`` with a per-trial width.

    Args:
      hidden: the hidden widths at multiplier 1.
      max_width: the largest multiplier of the population: each hidden layer holds
        ``round(max_width * hidden_l)`` units.
      activation: ``"relu"`` (default), ``"tanh"`` or ``"gelu"``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> m = WidthMLP(hidden=(8,), max_width=2.0)
      >>> params = m.init(jax.random.key(0), 4, 3)
      >>> [p["w"].shape for p in params]
      [(4, 16), (16, 3)]
      >>> narrow = WidthMLP(hidden=(8,), max_width=0.5).init(jax.random.key(0), 4, 3)
      >>> bool((narrow[0]["w"] == params[0]["w"][:, :4]).all())  # a block of the wide draw
      True
      >>> x = jnp.ones((2, 4))
      >>> bool(jnp.allclose(m.apply(params, x, 0.5), WidthMLP((8,), 0.5).apply(narrow, x, 0.5)))
      True
    """

    hidden: tuple[int, ...] = (64,)
    max_width: float = 1.0
    activation: str = "relu"

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(self.hidden))
        if not self.hidden:
            raise ValueError("hidden must list at least one hidden layer")
        for i, h in enumerate(self.hidden):
            check_positive_int(f"hidden[{i}]", h)
        check_range("max_width", self.max_width, low=0.0, low_open=True)
        check_choice("activation", self.activation, tuple(_ACTIVATIONS))

    @property
    def units(self) -> tuple[int, ...]:
        """Units each hidden layer holds, ``max(1, round(max_width * h))``."""
        return tuple(max(1, round(self.max_width * h)) for h in self.hidden)

    def init(self, key: jax.Array, inputs: int, outputs: int) -> list[dict[str, jax.Array]]:
        """``[{"w": [fan_in, fan_out], "b": [fan_out]}]`` per layer (see the module docstring)."""
        sizes = (inputs, *self.units, outputs)
        return [
            {"w": _normal_block(jax.random.fold_in(key, layer), a, b), "b": jnp.zeros(b)}
            for layer, (a, b) in enumerate(itertools.pairwise(sizes))
        ]

    def apply(self, params: list[dict[str, jax.Array]], x: jax.Array, width: Any) -> jax.Array:
        """Outputs ``[B, k]`` of a batch ``x`` ``[B, ...]`` at the width multiplier ``width``
        (a traced scalar is fine)."""
        act = _ACTIVATIONS[self.activation]
        h = x.reshape(x.shape[0], -1)
        fan_in = jnp.float32(h.shape[1])
        for layer, base in zip(params[:-1], self.hidden, strict=True):
            z = h @ layer["w"] / jnp.sqrt(fan_in) + layer["b"]
            fan_in = jnp.maximum(1.0, jnp.round(width * base))
            h = jnp.where(jnp.arange(z.shape[1]) < fan_in, act(z), 0.0)
        return h @ params[-1]["w"] / jnp.sqrt(fan_in) + params[-1]["b"]


def width_loss(
    model: WidthMLP, input_shape: tuple[int, ...], num_outputs: int, loss: str, onehot: int | None
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``(init, loss)`` for ``Problem.from_custom_loss`` with ``hyperparams=("width",)``: the
    mean ``loss`` (``"cross_entropy"`` or ``"mse"``) of ``model`` at the trial's width, and
    the accuracy for labels."""
    check_choice("loss", loss, losses.LOSSES)
    inputs = math.prod(input_shape)

    def init(key: jax.Array) -> tuple[list, dict]:
        return model.init(key, inputs, num_outputs), {}

    def objective(params: list, state: dict, batch: Any, key: Any, hp: dict):
        x, y = batch
        out = model.apply(params, x, hp[WIDTH])
        if loss == "cross_entropy":
            value = losses.cross_entropy(out, y)
        else:
            value = losses.mse(out, y, onehot)
        metrics = {}
        if loss == "cross_entropy" or onehot is not None:
            metrics["accuracy"] = jnp.mean(losses.accuracy(out, y))
        return jnp.mean(value), state, metrics

    return init, objective
