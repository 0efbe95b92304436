"""The embedded digits: identical to scikit-learn's copy, with a fixed stratified split."""

from __future__ import annotations

import hashlib
import importlib.resources

import numpy as np
import pytest
from sklearn import datasets as sklearn_datasets

from jaxscape.data import digits

# scikit-learn is in the test extra: a missing copy fails these tests, never skips them.

# sha256 of the sorted test row numbers (uint16 little-endian) drawn by scripts/make_digits_npz.py.
# If this changes, every published digits number changes with it: it must not.
TEST_INDEX_SHA256 = "7d138f8434c04efd1a7363de56037041bad44c1efefde2cf436a2d1f667d4299"


@pytest.fixture(scope="module")
def reference():
    bunch = sklearn_datasets.load_digits()
    return bunch.images, bunch.target


@pytest.fixture(scope="module")
def test_index():
    f = importlib.resources.files("jaxscape.data").joinpath("digits.npz")
    with f.open("rb") as fh, np.load(fh, allow_pickle=False) as data:
        return data["test_index"].astype(np.int64)


@pytest.fixture(scope="module")
def ds():
    return digits(val_fraction=0)


def test_shapes_and_types(ds):
    assert (ds.name, ds.n_train, ds.n_test, ds.num_classes) == ("digits", 1437, 360, 10)
    assert ds.input_shape == (8, 8, 1)
    assert ds.train.x.dtype == np.float32 and ds.train.y.dtype == np.int32
    x = np.asarray(ds.train.x)
    assert x.min() == 0.0 and x.max() == 1.0


def test_equals_sklearn_row_for_row_after_undoing_the_split(ds, reference, test_index):
    images, target = reference
    is_test = np.zeros(len(target), bool)
    is_test[test_index] = True
    x = np.empty((len(target), 8, 8), np.float64)
    y = np.empty(len(target), np.int64)
    x[~is_test], y[~is_test] = np.asarray(ds.train.x)[..., 0], np.asarray(ds.train.y)
    x[is_test], y[is_test] = np.asarray(ds.test.x)[..., 0], np.asarray(ds.test.y)
    np.testing.assert_array_equal(x * 16.0, images)  # k/16 in float32 is exact
    np.testing.assert_array_equal(y, target)


def test_split_is_stratified_disjoint_and_fixed(ds, reference, test_index):
    _, target = reference
    assert len(np.unique(test_index)) == 360 and test_index.min() >= 0
    assert test_index.max() < 1797 and np.all(np.diff(test_index) > 0)
    np.testing.assert_array_equal(np.bincount(np.asarray(ds.test.y)), [36] * 10)
    np.testing.assert_array_equal(np.bincount(np.asarray(ds.train.y)), np.bincount(target) - 36)
    digest = hashlib.sha256(test_index.astype("<u2").tobytes()).hexdigest()
    assert digest == TEST_INDEX_SHA256
    assert test_index[:5].tolist() == [5, 9, 12, 14, 16]


def test_flatten(ds):
    flat = digits(flatten=True, val_fraction=0)
    assert flat.input_shape == (64,)
    np.testing.assert_array_equal(
        np.asarray(flat.train.x), np.asarray(ds.train.x).reshape(1437, 64)
    )
    np.testing.assert_array_equal(np.asarray(flat.test.y), np.asarray(ds.test.y))


def test_flatten_must_be_bool():
    with pytest.raises(TypeError, match="flatten"):
        digits(flatten="yes")


def test_default_validation_split_is_carved_from_train_stratified_and_fixed(ds):
    """val + train of the default dataset are exactly the 1437 training rows, in order."""
    dv = digits()
    assert (dv.n_train, dv.n_val, dv.n_test) == (1221, 216, 360)  # 216 = round(0.15 * 1437)
    np.testing.assert_array_equal(np.asarray(dv.test.x), np.asarray(ds.test.x))
    full_x = np.asarray(ds.train.x).reshape(1437, 64)
    full_y = np.asarray(ds.train.y)
    # Locate every validation/train row in the full training split (digits has duplicate
    # images, so match greedily in order: each split keeps the original relative order).
    owner = np.full(1437, -1)
    for code, split in ((0, dv.train), (1, dv.val)):
        xs, ys = np.asarray(split.x).reshape(len(split), 64), np.asarray(split.y)
        j = 0
        for row, label in zip(xs, ys, strict=True):
            while owner[j] != -1 or not (np.array_equal(full_x[j], row) and full_y[j] == label):
                j += 1
            owner[j] = code
    assert np.all(owner >= 0) and (owner == 1).sum() == 216
    # Stratified: each class holds 0.15 of its training rows, to within the rounding of one row.
    per_class = np.bincount(full_y[owner == 1], minlength=10)
    assert np.all(np.abs(per_class - 0.15 * np.bincount(full_y)) < 1.0), per_class
    again = digits()
    np.testing.assert_array_equal(np.asarray(again.val.x), np.asarray(dv.val.x))


def test_val_fraction_is_checked():
    with pytest.raises(ValueError, match="val_fraction"):
        digits(val_fraction=1.0)
