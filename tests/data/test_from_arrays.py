"""``from_arrays``: splits, task inference and argument validation."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from jaxscape.data import from_arrays


def rows(split) -> set[tuple]:
    return {tuple(r) for r in np.asarray(split.x).reshape(len(split), -1).tolist()}


def test_docstring_example():
    ds = from_arrays(np.zeros((10, 3)), np.arange(10) % 2, test_fraction=0.2)
    assert (ds.n_train, ds.n_val, ds.n_test, ds.input_shape) == (7, 1, 2, (3,))
    assert ds.num_classes == 2
    assert sorted(np.asarray(ds.test.y).tolist()) == [0, 1]  # stratified: one of each class


def test_split_is_a_partition_in_original_order():
    x = np.arange(60.0).reshape(30, 2)
    y = np.arange(30) % 3
    ds = from_arrays(x, y, test_fraction=0.3, val_fraction=0, seed=5)
    assert (ds.n_train, ds.n_test) == (21, 9)
    tr, te = np.asarray(ds.train.x), np.asarray(ds.test.x)
    assert rows(ds.train).isdisjoint(rows(ds.test))
    assert rows(ds.train) | rows(ds.test) == {tuple(r) for r in x.tolist()}
    assert np.all(np.diff(tr[:, 0]) > 0) and np.all(np.diff(te[:, 0]) > 0)
    np.testing.assert_array_equal(np.asarray(ds.train.y), (tr[:, 0] / 2).astype(int) % 3)
    np.testing.assert_array_equal(np.bincount(np.asarray(ds.test.y)), [3, 3, 3])


@pytest.mark.parametrize(
    ("counts", "fraction", "expected"),
    [
        ([50, 30, 20], 0.1, [5, 3, 2]),
        ([7, 7, 6], 0.25, [2, 2, 1]),  # 1.75, 1.75, 1.5: largest remainders get the extra rows
        ([90, 10], 0.05, [5, 0]),  # 4.5, 0.5: a tie goes to the smaller class index
    ],
)
def test_stratified_counts_follow_largest_remainder(counts, fraction, expected):
    y = np.repeat(np.arange(len(counts)), counts)
    ds = from_arrays(np.zeros((len(y), 1)), y, test_fraction=fraction)
    got = np.bincount(np.asarray(ds.test.y), minlength=len(counts))
    np.testing.assert_array_equal(got, expected)


def test_split_depends_on_seed_only():
    x = np.arange(100.0)[:, None]
    y = np.arange(100) % 4
    a, b = (from_arrays(x, y, test_fraction=0.2, seed=1) for _ in range(2))
    c = from_arrays(x, y, test_fraction=0.2, seed=2)
    assert rows(a.test) == rows(b.test) != rows(c.test)


def test_regression_split_is_plain_random():
    x = np.arange(20.0)[:, None]
    ds = from_arrays(x, np.linspace(0, 1, 20), test_fraction=0.5, val_fraction=0)
    assert (ds.n_train, ds.n_test, ds.num_classes) == (10, 10, None)
    np.testing.assert_allclose(np.asarray(ds.test.y), np.asarray(ds.test.x)[:, 0] / 19, rtol=1e-6)


def test_given_test_split_and_dtypes():
    ds = from_arrays(
        jnp.ones((4, 2, 2)),
        [0, 1, 0, 1],
        x_test=np.zeros((3, 2, 2)),
        y_test=[2, 0, 0],
        val_fraction=0,
    )
    assert (ds.n_train, ds.n_test, ds.num_classes, ds.input_shape) == (4, 3, 3, (2, 2))
    assert ds.train.x.dtype == jnp.float32 and ds.test.y.dtype == jnp.int32


def test_no_test_split():
    ds = from_arrays(np.ones((3, 1)), np.array([0.0, 1.0, 2.0]))
    assert ds.test is None and ds.n_test == 0 and not ds.is_classification


def test_task_inference_and_override():
    assert from_arrays(np.ones((3, 1)), np.array([True, False, True])).num_classes == 2
    assert from_arrays(np.ones((3, 1)), np.array([0, 1, 2])).num_classes == 3
    assert from_arrays(np.ones((3, 1)), np.array([0.0, 1.0, 2.0])).num_classes is None
    ds = from_arrays(np.ones((3, 1)), np.array([0.0, 4.0, 2.0]), task="classification")
    assert ds.num_classes == 5 and ds.train.y.dtype == jnp.int32
    ds = from_arrays(np.ones((3, 1)), np.array([0, 4, 2]), task="regression")
    assert ds.num_classes is None and ds.train.y.dtype == jnp.float32


def test_vector_regression_targets():
    ds = from_arrays(
        np.ones((5, 2)), np.ones((5, 3)), x_test=np.ones((2, 2)), y_test=np.ones((2, 3))
    )
    assert ds.target_shape == (3,) and ds.n_test == 2


def test_explicit_num_classes():
    assert from_arrays(np.ones((2, 1)), [0, 1], num_classes=10).num_classes == 10


X, Y = np.ones((4, 2)), np.array([0, 1, 0, 1])


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "pattern"),
    [
        ((X, Y[:3]), {}, ValueError, "y has 3 rows but x has 4"),
        ((np.ones((0, 2)), Y[:0]), {}, ValueError, "x is empty"),
        ((np.ones(4), Y), {}, ValueError, r"x must have shape \[n, \*input_shape\]"),
        ((np.array([[0.0], [np.nan], [1.0], [2.0]]), Y), {}, ValueError, "x must be finite"),
        ((np.array([[0.0], [np.inf], [1.0], [2.0]]), Y), {}, ValueError, "x must be finite"),
        ((np.array([["a"]] * 4), Y), {}, TypeError, "x must hold real numbers"),
        ((X, np.array([0, -1, 0, 1])), {}, ValueError, r"y must be in \[0\.0, inf\)"),
        (
            (X, np.array([0.0, 0.5, 1, 1])),
            {"task": "classification"},
            ValueError,
            "y must hold integer",
        ),
        ((X, np.array([0, 1, np.nan, 1])), {}, ValueError, "y must be finite"),
        ((X, np.ones((4, 2, 2))), {}, ValueError, r"y must have shape \[n\] or \[n, k\]"),
        ((X, np.ones((4, 2), int)), {}, ValueError, r"y must be \[n\] class labels"),
        ((X, Y), {"num_classes": 1}, ValueError, "num_classes must exceed the largest label 1"),
        ((X, Y), {"num_classes": 2.0}, TypeError, "num_classes must be an int"),
        ((X, Y * 0.5), {"num_classes": 2}, ValueError, "num_classes must be None for regression"),
        ((X, Y), {"task": "ranking"}, ValueError, "task must be one of"),
        ((X, Y), {"test_fraction": 1.0}, ValueError, "test_fraction must be in"),
        ((X, Y), {"test_fraction": -0.1}, ValueError, "test_fraction must be in"),
        ((X, Y), {"test_fraction": 0.9}, ValueError, "test_fraction=0.9 holds out 4 of the 4"),
        ((X, Y), {"x_test": X}, ValueError, "y_test is required when x_test is given"),
        ((X, Y), {"y_test": Y}, ValueError, "x_test is required when y_test is given"),
        (
            (X, Y),
            {"x_test": X, "y_test": Y, "test_fraction": 0.5},
            ValueError,
            "test_fraction must be 0",
        ),
        (
            (X, Y),
            {"x_test": np.ones((2, 3)), "y_test": Y[:2]},
            ValueError,
            "x_test examples have shape",
        ),
        ((X, Y), {"x_test": X, "y_test": Y[:3]}, ValueError, "y_test has 3 rows but x_test has 4"),
        ((X, Y), {"x_test": X, "y_test": -Y}, ValueError, r"y_test must be in \[0\.0"),
        ((X, Y), {"x_test": X[:0], "y_test": Y[:0]}, ValueError, "x_test is empty"),
        ((X, Y), {"seed": -1}, ValueError, "seed must be >= 0"),
        ((X, Y), {"name": 3}, TypeError, "name must be a str"),
        ((None, Y), {}, TypeError, "x must be an array"),
    ],
)
def test_validation_names_the_argument(args, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        from_arrays(*args, **kwargs)
