"""The small MNIST CNN of the TensorFlow tutorial, with a width multiplier."""

from __future__ import annotations

from dataclasses import dataclass

import jax
from flax import nnx

from jaxscape._checks import check_choice, check_range
from jaxscape.models._max_pool import max_pool_2x2
from jaxscape.models._patch_conv import conv_same_patches, in_chunks
from jaxscape.models.spec import check_width, scaled

#: Weight initialisers of :class:`CNN` (biases start at zero either way): flax's default
#: LeCun normal, or TensorFlow 1.x ``tf.layers``' Glorot (Xavier) uniform.
KERNEL_INITS = {
    "lecun_normal": nnx.initializers.lecun_normal(),
    "glorot_uniform": nnx.initializers.glorot_uniform(),
}

#: How :class:`CNN` computes its convolutions (see its ``conv`` argument).
CONV_FORMS = ("auto", "xla", "patches")

#: The most input channels of a layer that ``conv="auto"`` computes by patches on a CPU: the
#: width-0.25 CNN's layers (1 and 8) were measured faster so; a wide layer's patch matrix holds
#: 25 copies of its input, and XLA:CPU's convolutions run well at 32 channels and more.
PATCH_MAX_CHANNELS = 8

#: Examples per chunk of a larger batch whose convolutions all compute by patches (a held-out
#: split's evaluation): the patch matrices of 64 8x8 digits stay in the caches.
PATCH_CHUNK = 64


def uses_patches(conv: str, in_channels: int) -> bool:
    """Whether a layer with ``in_channels`` inputs computes by patches in this process under
    ``conv`` (one of :data:`CONV_FORMS`)."""
    if conv == "auto":
        return jax.default_backend() == "cpu" and in_channels <= PATCH_MAX_CHANNELS
    return conv == "patches"


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
        patches: tuple[bool, bool] = (False, False),
    ):
        c1, c2 = channels
        self.patches = patches
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
        if all(self.patches) and x.shape[0] > PATCH_CHUNK:
            h = in_chunks(self._features, x, PATCH_CHUNK)
        else:
            h = self._features(x)
        h = h.reshape(h.shape[0], -1)
        h = self.dropout(nnx.relu(self.dense1(h)))
        return self.dense2(h)

    def _features(self, x: jax.Array) -> jax.Array:
        """Both convolutions, each followed by ReLU and 2x2 max-pooling."""
        h = max_pool_2x2(nnx.relu(_conv(self.conv1, x, self.patches[0])))
        return max_pool_2x2(nnx.relu(_conv(self.conv2, h, self.patches[1])))


def _conv(layer: nnx.Conv, x: jax.Array, patches: bool) -> jax.Array:
    """``layer(x)``, by XLA's convolution or by patches (the same parameters either way)."""
    if not patches:
        return layer(x)
    return conv_same_patches(x, layer.kernel[...]) + layer.bias[...]


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
      conv: how the convolutions compute: ``"xla"`` (``lax.conv_general_dilated``, cuDNN on a
        GPU), ``"patches"`` (the input's 25 shifted windows times the kernel as one matrix
        product: on XLA:CPU a training step of the width-0.25 CNN takes 0.65-0.72x as long) or
        ``"auto"`` (patches for a layer of at most :data:`PATCH_MAX_CHANNELS` input channels
        where JAX's default backend is the CPU, XLA's otherwise). The parameters are the same;
        the outputs agree to float rounding. Patches make longer programs: a cold sweep of
        this CNN compiled for 6.3-7.3 s against 4.2-5.0 s.

    Example:
      >>> import jaxscape as js
      >>> prob = js.Problem.from_model(js.models.CNN(width=0.25), js.data.digits())
      >>> prob.num_params
      22634
    """

    width: float = 1.0
    dropout: float = 0.4
    kernel_init: str = "lecun_normal"
    conv: str = "auto"

    def __post_init__(self):
        check_width(self.width)
        check_range("dropout", self.dropout, low=0.0, high=1.0, high_open=True)
        check_choice("kernel_init", self.kernel_init, tuple(KERNEL_INITS))
        check_choice("conv", self.conv, CONV_FORMS)

    def build(self, input_shape: tuple[int, ...], num_outputs: int, rngs: nnx.Rngs) -> nnx.Module:
        if len(input_shape) != 3:
            raise ValueError(
                f"CNN needs image inputs [H, W, C]; the data's input shape is {input_shape}"
            )
        h, w, c = input_shape
        c1 = scaled(self.width, 32)
        return _CNNModule(
            c,
            (h, w),
            (c1, scaled(self.width, 64)),
            scaled(self.width, 1024),
            num_outputs,
            self.dropout,
            rngs,
            self.kernel_init,
            (uses_patches(self.conv, c), uses_patches(self.conv, c1)),
        )
