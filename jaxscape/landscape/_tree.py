"""Pytree helpers shared by the landscape modules: float leaves, structure checks, flat views."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Tree = Any


def is_float(leaf: Any) -> bool:
    """True for floating-point array leaves (the ones a direction can move)."""
    dtype = getattr(leaf, "dtype", None)
    return dtype is not None and jnp.issubdtype(dtype, jnp.floating)


def describe(tree: Tree) -> str:
    """A short ``path: shape`` listing of a pytree, for error messages."""
    items = []
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        shape = tuple(getattr(leaf, "shape", ()))
        items.append(f"{jax.tree_util.keystr(path)}{list(shape)}")
    text = ", ".join(items[:6])
    return text + (f", ... ({len(items)} leaves)" if len(items) > 6 else "")


def check_same_tree(name: str, tree: Tree, ref_name: str, ref: Tree) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``tree`` has ``ref``'s structure and shapes."""
    if jax.tree.structure(tree) != jax.tree.structure(ref):
        raise ValueError(
            f"{name} does not have the structure of {ref_name}: "
            f"{name} is {{{describe(tree)}}}, {ref_name} is {{{describe(ref)}}}"
        )
    flat = jax.tree_util.tree_flatten_with_path(tree)[0]
    for (path, leaf), ref_leaf in zip(flat, jax.tree.leaves(ref), strict=True):
        shape, ref_shape = np.shape(leaf), np.shape(ref_leaf)
        if shape != ref_shape:
            raise ValueError(
                f"{name}{jax.tree_util.keystr(path)} has shape {list(shape)} but "
                f"{ref_name} has {list(ref_shape)} there"
            )


def check_float_tree(name: str, tree: Tree) -> None:
    """Raise unless ``tree`` is a non-empty pytree whose leaves are all float arrays."""
    leaves = jax.tree.leaves(tree)
    if not leaves:
        raise ValueError(f"{name} is an empty pytree")
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        if not is_float(leaf):
            kind = getattr(leaf, "dtype", type(leaf).__name__)
            raise TypeError(f"{name}{jax.tree_util.keystr(path)} must be a float array, got {kind}")


def as_arrays(tree: Tree) -> Tree:
    """Every leaf as a ``jax.Array`` (NumPy arrays loaded from files included)."""
    return jax.tree.map(jnp.asarray, tree)


def vdot(a: Tree, b: Tree) -> jax.Array:
    """Sum of elementwise products over the float leaves of two matching pytrees (float32)."""
    terms = [
        jnp.vdot(x.astype(jnp.float32), y.astype(jnp.float32))
        for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True)
        if is_float(x)
    ]
    return sum(terms, jnp.float32(0.0))


def combine(bases: tuple[Tree, ...], weights: jax.Array) -> Tree:
    """``sum_j weights[j] * bases[j]`` leaf by leaf; non-float leaves come from ``bases[0]``."""

    def leaf(*xs):
        if not is_float(xs[0]):
            return xs[0]
        out = weights[0].astype(xs[0].dtype) * xs[0]
        for j in range(1, len(xs)):
            out = out + weights[j].astype(xs[j].dtype) * xs[j]
        return out

    return jax.tree.map(leaf, *bases)


def stack_trees(trees: list[Tree]) -> Tree:
    """Stack a list of matching pytrees along a new leading axis."""
    return jax.tree.map(lambda *xs: jnp.stack(xs), *trees)


def num_float_elements(tree: Tree) -> int:
    return int(sum(np.size(x) for x in jax.tree.leaves(tree) if is_float(x)))
