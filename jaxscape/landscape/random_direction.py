"""Random Gaussian directions, normalised filter-wise (Li et al. 2018) by default."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from jaxscape._checks import check_choice
from jaxscape.landscape._tree import (
    as_arrays,
    check_float_tree,
    check_same_tree,
    is_float,
    num_float_elements,
    vdot,
)
from jaxscape.landscape._validate import check_key
from jaxscape.landscape.direction import Direction, as_direction
from jaxscape.landscape.normalize import NORMALIZATIONS, normalize_leaf
from jaxscape.landscape.orthogonalize import orthogonalize

Params = Any
State = Any


def _gaussian_like(tree: Any, key: jax.Array) -> Any:
    leaves, treedef = jax.tree.flatten(tree)
    keys = jax.random.split(key, max(len(leaves), 1))
    out = [
        jax.random.normal(k, jnp.shape(x), x.dtype) if is_float(x) else x
        for k, x in zip(keys, leaves, strict=False)
    ]
    return jax.tree.unflatten(treedef, out)


def random_direction(
    params: Params,
    key: jax.Array,
    normalization: str = "filter",
    ignore_biasbn: bool = True,
    *,
    state: State | None = None,
    orthogonal_to: Direction | Params | None = None,
) -> Direction:
    """A Gaussian random direction around ``params``, normalised to the weights' scale.

    Every float leaf is drawn from a standard normal, then rescaled by
    :func:`~jaxscape.landscape.normalize_direction`: with ``"filter"`` each output unit (a
    slice along the last axis of a flax kernel: a dense layer's column, a conv layer's output
    channel) gets the Frobenius norm of the same slice of ``params``. With
    ``ignore_biasbn=True`` leaves with at most one axis (biases, norm scales) are zero; with
    ``False`` they copy the weights under ``"filter"``/``"layer"`` (Li et al.'s convention).

    Args:
      params: the centre of the landscape (nested dict of float arrays).
      key: a JAX PRNG key (``jax.random.key(seed)``).
      normalization: ``"filter"`` (default), ``"layer"`` or ``"none"``.
      ignore_biasbn: zero the direction on 1-D leaves (default ``True``).
      state: the model state (batch statistics) to give the direction a state part, for
        landscapes evaluated with ``move="all"``. Its float leaves are drawn and normalised by
        the same rules (batch statistics are 1-D, so ``ignore_biasbn=True`` zeroes them and
        ``False`` copies them); non-float leaves (RNG keys, counters) are copied and never move.
      orthogonal_to: another direction; the result is made exactly orthogonal to it after
        normalisation (one Gram–Schmidt step, so the filter norms then hold approximately).

    Returns:
      A :class:`~jaxscape.landscape.Direction` with ``kind="random"``.

    Raises:
      ValueError: unknown ``normalization``, or a direction that is zero everywhere (every
        leaf is 1-D and ``ignore_biasbn=True``, or the weights are all zero).

    Example:
      >>> import jax, jaxscape as js
      >>> prob = js.Problem.from_model(js.models.MLP(hidden=(16,)), js.data.digits())
      >>> params, _ = prob.init(jax.random.key(0))
      >>> d = js.landscape.random_direction(params, jax.random.key(1))
      >>> d.params["layers"][0]["kernel"].shape, float(d.params["layers"][0]["bias"].sum())
      ((64, 16), 0.0)
    """
    check_choice("normalization", normalization, NORMALIZATIONS)
    if not isinstance(ignore_biasbn, bool):
        raise TypeError(f"ignore_biasbn must be a bool, got {type(ignore_biasbn).__name__}")
    key = check_key("key", key)
    check_float_tree("params", params)
    params = as_arrays(params)
    if orthogonal_to is not None:
        check_same_tree("orthogonal_to", as_direction(orthogonal_to).params, "params", params)
    k_params, k_state = jax.random.split(key)

    def norm(d, w):
        return normalize_leaf(d, w, normalization, ignore_biasbn)

    d_params = jax.tree.map(norm, _gaussian_like(params, k_params), params)
    d_state = None
    if state is not None:
        state = as_arrays(state)
        d_state = jax.tree.map(norm, _gaussian_like(state, k_state), state)
    if float(vdot(d_params, d_params)) == 0.0:
        reason = (
            "every parameter leaf has at most one axis and ignore_biasbn=True zeroes those; "
            "pass ignore_biasbn=False"
            if ignore_biasbn and all(jnp.ndim(x) <= 1 for x in jax.tree.leaves(params))
            else "the weights it is normalised against are zero; use normalization='none'"
        )
        raise ValueError(
            f"params gives a zero direction ({num_float_elements(params)} parameters): {reason}"
        )
    direction = Direction(d_params, d_state, "random", normalization, ignore_biasbn)
    if orthogonal_to is not None:
        direction = orthogonalize(direction, orthogonal_to)
    return direction
