"""Host-side argument checks of the landscape functions (run before anything compiles)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from jaxscape._checks import check_choice, check_finite, check_positive_int
from jaxscape.landscape._tree import as_arrays, check_float_tree, check_same_tree, is_float
from jaxscape.landscape.direction import Direction
from jaxscape.problem import Problem, check_problem

MOVES = ("params", "all")
SPLITS = ("train", "test")


def check_key(name: str, key: Any) -> jax.Array:
    """Return ``key`` if it is a JAX PRNG key (typed, or a raw ``uint32[2]``)."""
    if isinstance(key, jax.Array):
        if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key) and key.shape == ():
            return key
        if key.dtype == np.uint32 and key.shape == (2,):
            return key
    raise TypeError(
        f"{name} must be a JAX PRNG key such as jax.random.key(0), got {type(key).__name__}"
        + (f" of dtype {key.dtype} and shape {key.shape}" if hasattr(key, "dtype") else "")
    )


def check_points(name: str, values: Any) -> np.ndarray:
    """``values`` as a finite, non-empty 1-D float64 array, or a ``ValueError`` naming ``name``."""
    if values is None:
        raise ValueError(f"{name} must be given")
    try:
        arr = np.asarray(values)
    except Exception as err:  # pragma: no cover - exotic objects
        raise TypeError(f"{name} must be a 1-D array of numbers") from err
    if arr.dtype == object or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a 1-D array of real numbers, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; give at least one point")
    check_finite(name, arr)
    return arr.astype(np.float64)


def resolve_splits(prob: Problem, splits: Any) -> tuple[str, ...]:
    """The splits to evaluate: all present ones by default, else the checked request."""
    present = ("train",) if prob.data is None else ("train",) + (("test",) * (prob.data.n_test > 0))
    if splits is None:
        return present
    if isinstance(splits, str):
        splits = (splits,)
    splits = tuple(splits)
    if not splits:
        raise ValueError("splits is empty; give 'train' and/or 'test'")
    for s in splits:
        check_choice("splits", s, SPLITS)
        if s not in present:
            raise ValueError(f"splits asks for {s!r}, but the problem has only {present}")
    if len(set(splits)) != len(splits):
        raise ValueError(f"splits has duplicates: {splits}")
    return splits


def split_arrays(prob: Problem, splits: tuple[str, ...]) -> tuple:
    """``((x, y), ...)`` per split, or ``((None, None),)`` for a full-batch problem."""
    if prob.data is None:
        return tuple((None, None) for _ in splits)
    out = []
    for s in splits:
        part = prob.data.train if s == "train" else prob.data.test
        out.append((part.x, part.y))
    return tuple(out)


def reference_shapes(prob: Problem) -> tuple[Any, Any]:
    """Abstract ``(params, state)`` of the problem, without computing anything."""
    return jax.eval_shape(prob.init, jax.random.key(0))


def check_params(prob: Problem, name: str, params: Any) -> Any:
    """``params`` as device arrays, checked against the problem's parameter structure."""
    ref, _ = reference_shapes(prob)
    check_float_tree(name, params)
    check_same_tree(name, params, "the problem's parameters", ref)
    return as_arrays(params)


def resolve_state(prob: Problem, name: str, state: Any) -> Any:
    """The model state to evaluate with: ``state`` checked, or the problem's initial state.

    The initial state is only a safe default when it holds no float leaves (batch statistics):
    trained statistics must be passed explicitly.
    """
    _, ref = reference_shapes(prob)
    if state is None:
        if any(is_float(leaf) for leaf in jax.tree.leaves(ref)):
            raise ValueError(
                f"{name} is required: this model has batch statistics (float state leaves), "
                "and the initial ones would not match trained weights; pass the state that "
                "goes with the parameters"
            )
        return prob.init(jax.random.key(0))[1]
    check_same_tree(name, state, "the problem's state", ref)
    return as_arrays(state)


@dataclass(frozen=True)
class Request:
    """The checked settings every landscape shares (validated before anything compiles)."""

    prob: Problem
    move: str
    splits: tuple[str, ...]
    batch_size: int
    points_per_chunk: int | None
    progress: bool
    factored: bool | None
    label: str | None


def check_request(
    prob: Any,
    *,
    move: Any,
    splits: Any,
    batch_size: Any,
    points_per_chunk: Any,
    progress: Any,
    factored: Any,
    label: Any,
) -> Request:
    """The settings of ``line``/``interpolate``/``plane`` checked, or the error naming one."""
    prob = check_problem(prob)
    move = check_choice("move", move, MOVES)
    batch_size = check_positive_int("batch_size", batch_size)
    if points_per_chunk is not None:
        points_per_chunk = check_positive_int("points_per_chunk", points_per_chunk)
    if factored is not None and not isinstance(factored, bool):
        raise TypeError(f"factored must be None, True or False, got {type(factored).__name__}")
    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be a str, got {type(label).__name__}")
    splits = resolve_splits(prob, splits)
    return Request(
        prob, move, splits, batch_size, points_per_chunk, bool(progress), factored, label
    )


def direction_state(direction: Direction, state: Any, move: str) -> Any:
    """The state part of ``direction`` for ``move``, checked (``None`` for ``"params"``)."""
    if move == "params":
        return None
    if not direction.moves_state:
        raise ValueError(
            "direction has no state part, which move='all' needs: build it with "
            "random_direction(..., state=state) or target_direction(..., state_a=, state_b=)"
        )
    check_same_tree("direction.state", direction.state, "state", state)
    return direction.state
