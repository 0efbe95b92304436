"""Angles between directions: cosine similarity and Gram–Schmidt orthogonalisation."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from jaxscape.landscape._tree import check_same_tree, is_float, vdot
from jaxscape.landscape.direction import Direction, as_direction


def _parts(d: Direction, other: Direction) -> tuple[tuple, tuple]:
    """The parts two directions share: params, plus state when both have one."""
    if d.moves_state and other.moves_state:
        return (d.params, d.state), (other.params, other.state)
    return (d.params,), (other.params,)


def cosine_similarity(a: Direction | Any, b: Direction | Any) -> float:
    """Cosine of the angle between two directions (their parameter parts).

    Li et al. draw the two directions of a random plane independently; in high dimension they
    are nearly orthogonal, and this number shows how nearly.

    Example:
      >>> import jax.numpy as jnp
      >>> round(cosine_similarity({"w": jnp.array([1.0, 0.0])}, {"w": jnp.array([1.0, 1.0])}), 4)
      0.7071
    """
    a, b = as_direction(a), as_direction(b)
    check_same_tree("b", b.params, "a", a.params)
    num = vdot(a.params, b.params)
    den = jnp.sqrt(vdot(a.params, a.params) * vdot(b.params, b.params))
    return float(num / jnp.maximum(den, 1e-30))


def orthogonalize(direction: Direction | Any, against: Direction | Any) -> Direction:
    """``direction`` minus its projection on ``against`` (one Gram–Schmidt step).

    The inner product runs over the parameter part, and over the state part too when both
    directions have one. The result keeps ``direction``'s metadata; its filter norms then hold
    only approximately (the removed component of a random direction is tiny in high dimension).

    Args:
      direction: the direction to change, a :class:`Direction` or a parameter pytree.
      against: the direction to be orthogonal to (same structure).

    Returns:
      A :class:`Direction` whose inner product with ``against`` is zero (to rounding).

    Raises:
      ValueError: ``against`` is zero, or the structures differ.

    Example:
      >>> import jax.numpy as jnp
      >>> d = orthogonalize({"w": jnp.array([1.0, 1.0])}, {"w": jnp.array([1.0, 0.0])})
      >>> d.params["w"].tolist()
      [0.0, 1.0]
    """
    d, a = as_direction(direction), as_direction(against)
    check_same_tree("against", a.params, "direction", d.params)
    if d.moves_state and a.moves_state:
        check_same_tree("against.state", a.state, "direction.state", d.state)
    dp, ap = _parts(d, a)
    aa = vdot(ap, ap)
    if float(aa) == 0.0:
        raise ValueError("against is the zero direction; there is nothing to be orthogonal to")
    coef = vdot(dp, ap) / aa

    def sub(x, y):
        return (x - coef.astype(x.dtype) * y) if is_float(x) else x

    params = jax.tree.map(sub, d.params, a.params)
    state = d.state
    if d.moves_state and a.moves_state:
        state = jax.tree.map(sub, d.state, a.state)
    return Direction(params, state, d.kind, d.normalization, d.ignore_biasbn)
