"""Direction normalisation: filter-wise (Li et al. 2018), layer-wise, or none.

Following the reference code of Li et al. (``net_plotter.normalize_direction``), adapted to
flax's layout where the output axis is the *last* one:

* ``"filter"``: for every leaf with two or more axes, each output unit (a slice along the last
  axis: one column of a dense ``(in, out)`` kernel, one output channel of a ``(kh, kw, in, out)``
  conv kernel) is rescaled so that its Frobenius norm equals the norm of the same slice of the
  weights: ``d[..., k] *= ||w[..., k]|| / ||d[..., k]||``.
* ``"layer"``: each leaf with two or more axes is rescaled to the norm of its weights.
* ``"none"``: the direction is left as it is.

Leaves with at most one axis (biases, normalisation scales and offsets, batch statistics):

* ``ignore_biasbn=True`` (default): the direction is zero there — they stay at the centre's
  values along the whole landscape.
* ``ignore_biasbn=False``: under ``"filter"`` and ``"layer"`` the direction *copies the
  weights* there (``d = w``, as in Li et al.'s code: moving by ``alpha`` scales them by
  ``1 + alpha``); under ``"none"`` they keep their (Gaussian) values.

A slice whose direction is zero stays zero (a zero weight slice makes the direction slice zero).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from jaxscape._checks import check_choice
from jaxscape.landscape._tree import check_same_tree, is_float

NORMALIZATIONS = ("filter", "layer", "none")

Tree = Any

_EPS = 1e-10


def normalize_leaf(d: jax.Array, w: jax.Array, normalization: str, ignore_biasbn: bool):
    """Normalise one direction leaf ``d`` against its weight leaf ``w`` (see module docs)."""
    if not is_float(w):
        return d
    if jnp.ndim(w) <= 1:
        if ignore_biasbn:
            return jnp.zeros_like(d)
        return d if normalization == "none" else jnp.asarray(w, d.dtype)
    if normalization == "none":
        return d
    if normalization == "layer":
        scale = jnp.linalg.norm(w.astype(jnp.float32)) / (
            jnp.linalg.norm(d.astype(jnp.float32)) + _EPS
        )
        return (d * scale).astype(d.dtype)
    axes = tuple(range(jnp.ndim(w) - 1))
    w_norm = jnp.sqrt(jnp.sum(jnp.square(w.astype(jnp.float32)), axis=axes, keepdims=True))
    d_norm = jnp.sqrt(jnp.sum(jnp.square(d.astype(jnp.float32)), axis=axes, keepdims=True))
    return (d * (w_norm / (d_norm + _EPS))).astype(d.dtype)


def normalize_direction(
    direction: Tree,
    params: Tree,
    normalization: str = "filter",
    ignore_biasbn: bool = True,
) -> Tree:
    """Rescale ``direction`` against ``params`` (see the module docstring for the rules).

    Args:
      direction: a pytree matching ``params`` (a plain tree, not a ``Direction``).
      params: the weights that set the scale (the centre of the landscape).
      normalization: ``"filter"`` (default), ``"layer"`` or ``"none"``.
      ignore_biasbn: zero the direction on leaves with at most one axis.

    Returns:
      A pytree like ``direction``.

    Example:
      >>> import jax.numpy as jnp
      >>> w = {"kernel": jnp.array([[3.0, 0.0], [4.0, 1.0]]), "bias": jnp.ones(2)}
      >>> d = {"kernel": jnp.ones((2, 2)), "bias": jnp.ones(2)}
      >>> out = normalize_direction(d, w)
      >>> jnp.linalg.norm(out["kernel"], axis=0).round(4).tolist(), out["bias"].tolist()
      ([5.0, 1.0], [0.0, 0.0])
    """
    check_choice("normalization", normalization, NORMALIZATIONS)
    if not isinstance(ignore_biasbn, bool):
        raise TypeError(f"ignore_biasbn must be a bool, got {type(ignore_biasbn).__name__}")
    check_same_tree("direction", direction, "params", params)
    return jax.tree.map(
        lambda d, w: normalize_leaf(d, w, normalization, ignore_biasbn), direction, params
    )
