"""The small MNIST CNN of the TensorFlow tutorial, with a width multiplier."""

from __future__ import annotations

from dataclasses import dataclass

import jax
from flax import nnx

from jaxscape._checks import check_choice, check_range
from jaxscape.models._max_pool import max_pool_2x2
from jaxscape.models.spec import check_width, scaled

#: Weight initialisers of :class:`CNN` (biases start at zero either way): flax's default
#: LeCun normal, or TensorFlow 1.x ``tf.layers``' Glorot (Xavier) uniform.
KERNEL_INITS = {
    "lecun_normal": nnx.initializers.lecun_normal(),
    "glorot_uniform": nnx.initializers.glorot_uniform(),
}


class _CNNModule(nnx.Module):
    def __init__(
        self,
        in_channels: int,
        spatial: tuple[int, int],
        channels: tuple[int, int],
        dense: int,
        num_outputs: int,
        dropout: float,
        rngs: nnx.Rngs,
        kernel_init: str = "lecun_normal",
    ):
        c1, c2 = channels
        k = {"kernel_init": KERNEL_INITS[kernel_init], "rngs": rngs}
        self.conv1 = nnx.Conv(in_channels, c1, kernel_size=(5, 5), padding="SAME", **k)
        self.conv2 = nnx.Conv(c1, c2, kernel_size=(5, 5), padding="SAME", **k)
        h, w = spatial
        for _ in range(2):  # two 2x2 max-pools with SAME padding
            h, w = -(-h // 2), -(-w // 2)
        self.dense1 = nnx.Linear(h * w * c2, dense, **k)
        self.dropout = nnx.Dropout(dropout, rngs=rngs)
        self.dense2 = nnx.Linear(dense, num_outputs, **k)

    def __call__(self, x: jax.Array) -> jax.Array:
        h = max_pool_2x2(nnx.relu(self.conv1(x)))
        h = max_pool_2x2(nnx.relu(self.conv2(h)))
        h = h.reshape(h.shape[0], -1)
        h = self.dropout(nnx.relu(self.dense1(h)))
        return self.dense2(h)


@dataclass(frozen=True)
class CNN:
    """5x5 conv 32 → 2x2 max-pool → 5x5 conv 64 → 2x2 max-pool → dense 1024 → dropout → dense.

    The network of TensorFlow's "Deep MNIST" tutorial (ReLU, SAME padding). Inputs are NHWC
    images ``[B, H, W, C]``; a flat input must be reshaped to images first. Dropout is active in
    training mode only and draws from the module's own ``dropout`` RNG stream, seeded per trial.

    Args:
      width: multiplier on both conv channel counts and the dense width (at least 1 unit each).
      dropout: dropout rate before the last layer, in [0, 1).
      kernel_init: ``"lecun_normal"`` (flax's default) or ``"glorot_uniform"`` (TensorFlow's
        ``tf.layers`` default, which the tutorial used); biases start at zero.

    Example:
      >>> import jaxscape as js
      >>> prob = js.Problem.from_model(js.models.CNN(width=0.25), js.data.digits())
      >>> prob.num_params
      22634
    """

    width: float = 1.0
    dropout: float = 0.4
    kernel_init: str = "lecun_normal"

    def __post_init__(self):
        check_width(self.width)
        check_range("dropout", self.dropout, low=0.0, high=1.0, high_open=True)
        check_choice("kernel_init", self.kernel_init, tuple(KERNEL_INITS))

    def build(self, input_shape: tuple[int, ...], num_outputs: int, rngs: nnx.Rngs) -> nnx.Module:
        if len(input_shape) != 3:
            raise ValueError(
                f"CNN needs image inputs [H, W, C]; the data's input shape is {input_shape}"
            )
        h, w, c = input_shape
        return _CNNModule(
            c,
            (h, w),
            (scaled(self.width, 32), scaled(self.width, 64)),
            scaled(self.width, 1024),
            num_outputs,
            self.dropout,
            rngs,
            self.kernel_init,
        )
