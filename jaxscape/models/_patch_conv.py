"""A stride-1 SAME convolution as one matrix product of the input's shifted windows.

For an input ``x`` of shape ``[B, H, W, C]``, zero-padded by ``(kh - 1) // 2`` rows above and
``kh // 2`` below (and likewise for columns, as SAME padding does), and a kernel ``k`` of shape
``[kh, kw, C, O]``::

    y[b, h, w, o] = sum_{i, j, c} x_pad[b, h + i, w + j, c] k[i, j, c, o]

Stacking the ``kh * kw`` shifted copies ``x_pad[:, i:i + H, j:j + W, :]`` along the channel axis
gives a ``[B * H * W, kh * kw * C]`` matrix whose product with the kernel reshaped to
``[kh * kw * C, O]`` is ``y``. It is the same sum as ``lax.conv_general_dilated``'s, in
another order, so the two agree to float rounding (not bit for bit).

Why: XLA:CPU's convolution kernels are slow at small channel counts. On the recipe's CNN
(width 0.25: 1 -> 8 and 8 -> 16 channels on 8x8 digits), its first layer's forward pass ran at
3-5 GFLOP/s and the second layer's input gradient at 6-8, and a vmapped population whose
trials read their own batches makes every convolution a grouped one, which runs no faster per
trial. Written as windows and one product, the whole training step took 0.65-0.72x as long
(``benchmarks/cnn_step_costs.py``). On a GPU, cuDNN's convolutions are the faster choice.

The patch matrix is ``kh * kw`` times the size of its input: over a held-out split of hundreds
of examples it outgrows the caches, and the forward pass of the width-0.25 CNN on 576 digits
ran 3x faster as nine chunks of 64 (:func:`in_chunks`) than in one piece.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp


def conv_same_patches(x: jax.Array, kernel: jax.Array) -> jax.Array:
    """``[B, H, W, C]`` convolved with ``[kh, kw, C, O]`` (stride 1, SAME) to ``[B, H, W, O]``.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> x = jax.random.normal(jax.random.key(0), (2, 6, 5, 3))
      >>> k = jax.random.normal(jax.random.key(1), (5, 5, 3, 4))
      >>> xla = jax.lax.conv_general_dilated(x, k, (1, 1), "SAME",
      ...                                    dimension_numbers=("NHWC", "HWIO", "NHWC"))
      >>> bool(jnp.allclose(conv_same_patches(x, k), xla, atol=1e-5))
      True
    """
    kh, kw, c, o = kernel.shape
    b, h, w, _ = x.shape
    pad = ((0, 0), ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2), (0, 0))
    xp = jnp.pad(x, pad)
    windows = [xp[:, i : i + h, j : j + w, :] for i in range(kh) for j in range(kw)]
    flat = jnp.concatenate(windows, axis=3).reshape(b * h * w, kh * kw * c)
    return (flat @ kernel.reshape(kh * kw * c, o)).reshape(b, h, w, o)


def in_chunks(fn: Callable[[jax.Array], jax.Array], x: jax.Array, size: int) -> jax.Array:
    """``fn(x)`` for an ``fn`` that treats the rows of ``x`` (its leading axis) independently,
    computed ``size`` rows at a time in a loop (the last chunk padded with zeros, whose rows are
    dropped).

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.arange(10.0).reshape(5, 2)
      >>> in_chunks(lambda r: r * 2.0, x, 2).tolist()
      [[0.0, 2.0], [4.0, 6.0], [8.0, 10.0], [12.0, 14.0], [16.0, 18.0]]
    """
    n = x.shape[0]
    chunks = -(-n // size)
    padded = jnp.pad(x, ((0, chunks * size - n),) + ((0, 0),) * (x.ndim - 1))
    out = jax.lax.map(fn, padded.reshape(chunks, size, *x.shape[1:]))
    return out.reshape(chunks * size, *out.shape[2:])[:n]
