"""``from_arrays``: a :class:`~jaxscape.data.Dataset` from in-memory arrays, validated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from jaxscape._checks import (
    check_choice,
    check_finite,
    check_positive_int,
    check_range,
)
from jaxscape.data._split import hold_out
from jaxscape.data.dataset import Dataset, as_device_split, optional_split

TASKS = ("classification", "regression")


def from_arrays(
    x: Any,
    y: Any,
    *,
    x_test: Any = None,
    y_test: Any = None,
    test_fraction: float = 0.0,
    val_fraction: float = 0.15,
    num_classes: int | None = None,
    task: str | None = None,
    name: str = "arrays",
    seed: int = 0,
) -> Dataset:
    """Wrap NumPy (or JAX) arrays as a :class:`~jaxscape.data.Dataset` on the device.

    Everything is checked on the host first; bad input raises a ``ValueError``/``TypeError``
    naming the argument. Inputs become float32; class labels int32, regression targets float32.

    Args:
      x: ``[n, *input_shape]`` training inputs (at least 2-D: use ``x[:, None]`` for one
        feature), finite numbers.
      y: ``[n]`` class labels (non-negative integers) or ``[n]`` / ``[n, k]`` regression targets.
      x_test: optional ``[m, *input_shape]`` held-out inputs; give ``y_test`` with it.
      y_test: optional ``[m]`` / ``[m, k]`` held-out targets.
      test_fraction: fraction of ``(x, y)`` held out as the test split when no ``x_test`` is
        given, in ``[0, 1)``: ``n * test_fraction`` rows rounded half up (at least one when
        > 0), chosen by a seeded split that is stratified by class for classification (each
        class's share rounded by the largest-remainder rule). ``0`` means no test split unless
        ``x_test`` is given.
      val_fraction: fraction of the training rows (what remains after the test split) held
        out as the validation split, in ``[0, 1)``, rounded and stratified the same way but
        drawn from ``np.random.default_rng([seed, 1])``. ``0`` means no validation split.
      num_classes: number of classes; ``None`` infers ``max label + 1``. Must be ``None`` for
        regression.
      task: ``"classification"`` or ``"regression"``; ``None`` infers it from ``y``'s dtype
        (integer or bool: classification, floating: regression).
      name: short name used in reports.
      seed: seed of the train/test split (``np.random.default_rng(seed)``) and of the
        train/validation split.

    Returns:
      The dataset; rows of each split keep their original relative order.

    Example:
      >>> import numpy as np
      >>> ds = from_arrays(np.zeros((10, 3)), np.arange(10) % 2, test_fraction=0.2)
      >>> ds.n_train, ds.n_val, ds.n_test, ds.num_classes
      (7, 1, 2, 2)
      >>> from_arrays(np.zeros((10, 3)), np.arange(10) % 2, val_fraction=0).n_val
      0
      >>> from_arrays(np.ones((4, 2)), np.array([0.5, 1.0, 1.5, 2.0])).is_classification
      False
    """
    c = _check(x, y, x_test, y_test, test_fraction, val_fraction, num_classes, task, name, seed)
    x, y, x_test, y_test = c.x, c.y, c.x_test, c.y_test
    if x_test is None:
        x, y, x_test, y_test = hold_out(
            x, y, c.test_fraction, c.seed, stratify=c.classification, arg="test_fraction"
        )
    x, y, x_val, y_val = hold_out(
        x, y, c.val_fraction, [c.seed, 1], stratify=c.classification, arg="val_fraction"
    )
    return Dataset(
        name=name,
        train=as_device_split(x, y, classification=c.classification),
        test=optional_split(x_test, y_test, classification=c.classification),
        num_classes=c.num_classes,
        val=optional_split(x_val, y_val, classification=c.classification),
    )


@dataclass(frozen=True)
class _Checked:
    """The validated arguments of :func:`from_arrays` (host arrays, labels as int64)."""

    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray | None
    y_test: np.ndarray | None
    test_fraction: float
    val_fraction: float
    num_classes: int | None  # None for regression
    classification: bool
    seed: int


def _check(x, y, x_test, y_test, test_fraction, val_fraction, num_classes, task, name, seed):
    """Every check of :func:`from_arrays`, in its order; a :class:`_Checked`."""
    if task is not None:
        check_choice("task", task, TASKS)
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    seed = check_positive_int("seed", seed, allow_zero=True)
    check_range("test_fraction", test_fraction, low=0.0, high=1.0, high_open=True)
    check_range("val_fraction", val_fraction, low=0.0, high=1.0, high_open=True)
    x = _inputs("x", x)
    y = _targets("y", y, len(x), "x")
    if task is None:
        task = "classification" if y.dtype.kind in "biu" else "regression"
    classification = task == "classification"
    x_test, y_test = _test_split(x, y, x_test, y_test, test_fraction)
    if classification:
        y = _labels("y", y)
        y_test = None if y_test is None else _labels("y_test", y_test)
        num_classes = _num_classes(y, y_test, num_classes)
    else:
        if num_classes is not None:
            raise ValueError(f"num_classes must be None for regression, got {num_classes!r}")
        _check_finite_fast("y", y)
        if y_test is not None:
            _check_finite_fast("y_test", y_test)
    return _Checked(
        x=x,
        y=y,
        x_test=x_test,
        y_test=y_test,
        test_fraction=test_fraction,
        val_fraction=val_fraction,
        num_classes=num_classes,
        classification=classification,
        seed=seed,
    )


def _test_split(x, y, x_test, y_test, test_fraction) -> tuple:
    """The checked ``(x_test, y_test)`` (both ``None`` when not given)."""
    if (x_test is None) != (y_test is None):
        missing = "y_test" if y_test is None else "x_test"
        raise ValueError(f"{missing} is required when {_other(missing)} is given")
    if x_test is None:
        return None, None
    if test_fraction > 0:
        raise ValueError(
            f"test_fraction must be 0 when x_test/y_test are given, got {test_fraction}"
        )
    x_test = _inputs("x_test", x_test)
    y_test = _targets("y_test", y_test, len(x_test), "x_test")
    if x_test.shape[1:] != x.shape[1:]:
        raise ValueError(
            f"x_test examples have shape {x_test.shape[1:]}, but x examples have "
            f"shape {x.shape[1:]}"
        )
    if y_test.shape[1:] != y.shape[1:]:
        raise ValueError(
            f"y_test targets have shape {y_test.shape[1:]}, but y targets have shape {y.shape[1:]}"
        )
    return x_test, y_test


def _num_classes(y: np.ndarray, y_test: np.ndarray | None, num_classes: int | None) -> int:
    """``num_classes`` checked against the labels, or inferred as the largest label + 1."""
    top = int(y.max()) if y_test is None else max(int(y.max()), int(y_test.max()))
    if num_classes is None:
        return top + 1
    num_classes = check_positive_int("num_classes", num_classes)
    if num_classes <= top:
        raise ValueError(f"num_classes must exceed the largest label {top}, got {num_classes}")
    return num_classes


def _other(arg: str) -> str:
    return {"x_test": "y_test", "y_test": "x_test"}[arg]


def _array(name: str, value: Any) -> np.ndarray:
    if value is None:
        raise TypeError(f"{name} must be an array, got None")
    try:
        arr = np.asarray(value)
    except Exception as err:
        raise TypeError(f"{name} must be an array, got {type(value).__name__}") from err
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr


def _check_finite_fast(name: str, arr: np.ndarray) -> None:
    # np.isfinite on the array's own dtype first; the shared helper (which copies to float64)
    # only runs to word the error.
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        check_finite(name, arr)


def _inputs(name: str, value: Any) -> np.ndarray:
    arr = _array(name, value)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must have shape [n, *input_shape] (at least 2-D; use {name}[:, None] for "
            f"one feature), got shape {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); it needs at least one row")
    _check_finite_fast(name, arr)
    return arr


def _targets(name: str, value: Any, n: int, x_name: str) -> np.ndarray:
    arr = _array(name, value)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must have shape [n] or [n, k], got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} rows but {x_name} has {n}; they must match")
    return arr


def _labels(name: str, arr: np.ndarray) -> np.ndarray:
    if arr.ndim != 1:
        raise ValueError(f"{name} must be [n] class labels for classification, got {arr.shape}")
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{name} must hold integer class labels for classification, got {arr[i]!r} "
                f"(at index {i}); pass task='regression' for real-valued targets"
            )
    check_range(name, arr, low=0)
    if arr.max() > np.iinfo(np.int32).max:
        raise ValueError(f"{name} holds a label above the int32 range: {arr.max()}")
    return arr.astype(np.int64)
