"""2x2 max-pooling of stride 2, written so XLA:CPU runs its gradient fast.

``nnx.max_pool`` lowers to ``reduce_window``, and its gradient to ``select_and_scatter``,
which XLA:CPU runs as a scalar loop. In the recipe's CNN on digits (width 0.25), a training
step pooled this way instead took 0.61-0.92x as long by hand and 0.77-0.87x in ``js.sweep``
(``benchmarks/cnn_step_costs.py``). This formulation picks each window's maximum with
elementwise operations. For an image ``x`` of shape ``[B, H, W, C]`` (padded with ``-inf`` to
even ``H`` and ``W``, as SAME padding does), with the window ``w = (x[2i, 2j], x[2i, 2j+1],
x[2i+1, 2j], x[2i+1, 2j+1])`` in row-major order and ``k = argmax(w)`` its first maximum::

    y[i, j] = sum_m [m = k] w[m]          dL/dx[w[m]] = [m = k] dL/dy[i, j]

Both equal ``reduce_window``'s bit for bit: the sum adds a single nonzero term, and
``select_and_scatter`` (selecting with ``>=``) also routes a window's gradient to its first
maximum, not split among ties as ``jnp.max``'s gradient is. Ties are common here: a blank
image region gives every unit of a window ``relu(bias)``. The formulation differentiates in
every mode (``jax.jvp`` too, for Hessian-vector products), and ``argmax`` picks a NaN first,
so a NaN window stays NaN.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def max_pool_2x2(x: jax.Array) -> jax.Array:
    """``[B, H, W, C]`` to ``[B, ceil(H/2), ceil(W/2), C]``: the maximum of each 2x2 window.

    Equal, in value and gradient, to ``nnx.max_pool(x, (2, 2), (2, 2), "SAME")``.

    Example:
      >>> import jax.numpy as jnp
      >>> from flax import nnx
      >>> x = jnp.arange(30.0).reshape(1, 5, 3, 2) % 7
      >>> bool((max_pool_2x2(x) == nnx.max_pool(x, (2, 2), (2, 2), "SAME")).all())
      True
    """
    b, h, w, c = x.shape
    x = jnp.pad(x, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), constant_values=-jnp.inf)
    h2, w2 = (h + 1) // 2, (w + 1) // 2
    windows = x.reshape(b, h2, 2, w2, 2, c).transpose(0, 1, 3, 5, 2, 4).reshape(b, h2, w2, c, 4)
    first = jnp.arange(4) == jnp.argmax(windows, axis=-1)[..., None]
    return jnp.where(first, windows, 0).sum(axis=-1)
