"""``teacher``: shapes, determinism, class balance, and labels that depend on the inputs."""

from __future__ import annotations

import numpy as np
import pytest

from jaxscape.data import teacher


@pytest.fixture(scope="module")
def default():
    return teacher(val_fraction=0)


def test_default_shapes(default):
    ds = default
    assert (ds.name, ds.n_train, ds.n_test, ds.num_classes) == ("teacher", 10_000, 2_000, 10)
    assert ds.input_shape == (28, 28, 1)
    assert ds.train.x.dtype == np.float32 and ds.train.y.dtype == np.int32
    x = np.asarray(ds.train.x)
    assert x.min() >= 0.0 and x.max() < 1.0
    assert abs(x.mean() - 0.5) < 0.01 and abs(x.var() - 1 / 12) < 0.001  # uniform [0, 1)


def test_classes_are_balanced(default):
    # A raw random teacher gives shares from about 0.7 to 1.4 of the even share; the calibrated
    # one stays within sampling noise of it (multinomial sd ~3% of 1000 per class here).
    for split, n in ((default.train, 10_000), (default.test, 2_000)):
        counts = np.bincount(np.asarray(split.y), minlength=10)
        assert counts.min() >= 0.8 * n / 10 and counts.max() <= 1.2 * n / 10, counts


@pytest.mark.parametrize("seed", [1, 2])
def test_balance_other_shapes(seed):
    ds = teacher(
        n_train=6000, n_test=0, input_shape=(5,), num_classes=3, hidden=8, seed=seed, val_fraction=0
    )
    counts = np.bincount(np.asarray(ds.train.y), minlength=3)
    assert counts.min() >= 0.85 * 2000 and counts.max() <= 1.15 * 2000, counts


def test_deterministic_per_seed_and_prefix_stable():
    kw = {"input_shape": (3, 3, 1), "num_classes": 4, "hidden": 16}
    kw["val_fraction"] = 0
    a = teacher(n_train=300, n_test=40, seed=7, **kw)
    b = teacher(n_train=300, n_test=40, seed=7, **kw)
    small = teacher(n_train=50, n_test=10, seed=7, **kw)
    other = teacher(n_train=300, n_test=40, seed=8, **kw)
    for s in ("train", "test"):
        np.testing.assert_array_equal(np.asarray(getattr(a, s).x), np.asarray(getattr(b, s).x))
        np.testing.assert_array_equal(np.asarray(getattr(a, s).y), np.asarray(getattr(b, s).y))
    np.testing.assert_array_equal(np.asarray(small.train.x), np.asarray(a.train.x)[:50])
    np.testing.assert_array_equal(np.asarray(small.train.y), np.asarray(a.train.y)[:50])
    np.testing.assert_array_equal(np.asarray(small.test.y), np.asarray(a.test.y)[:10])
    assert not np.array_equal(np.asarray(other.train.x), np.asarray(a.train.x))


def test_labels_are_a_learnable_function_of_the_inputs():
    from sklearn import neighbors  # in the test extra: a missing copy fails, never skips

    ds = teacher(n_train=3000, n_test=500, input_shape=(4,), num_classes=3, hidden=8, seed=3)
    knn = neighbors.KNeighborsClassifier(5).fit(np.asarray(ds.train.x), np.asarray(ds.train.y))
    accuracy = knn.score(np.asarray(ds.test.x), np.asarray(ds.test.y))
    assert accuracy > 0.8  # chance is 1/3


def test_no_test_split():
    assert teacher(n_train=10, n_test=0, input_shape=(2,)).test is None


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"n_train": 0}, ValueError, "n_train must be >= 1"),
        ({"n_test": -1}, ValueError, "n_test must be >= 0"),
        ({"num_classes": 1}, ValueError, "num_classes must be >= 2"),
        ({"hidden": 2.5}, TypeError, "hidden must be an int"),
        ({"seed": -3}, ValueError, "seed must be >= 0"),
        ({"input_shape": 784}, TypeError, "input_shape must be a tuple"),
        ({"input_shape": (28, 0)}, ValueError, "input_shape must be >= 1"),
        ({"input_shape": ()}, ValueError, "input_shape must have at least one dimension"),
    ],
)
def test_validation(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        teacher(**kwargs)
