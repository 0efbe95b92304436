"""``load`` on ``.npz`` files: both layouts, uint8 images, missing keys, no unpickling."""

from __future__ import annotations

import numpy as np
import pytest

from jaxscape.data import load


def test_split_layout(tmp_path):
    rng = np.random.default_rng(1)
    arrays = {
        "x_train": rng.normal(size=(7, 3)),
        "y_train": np.array([0, 1, 2, 0, 1, 2, 0]),
        "x_test": rng.normal(size=(4, 3)),
        "y_test": np.array([2, 2, 1, 4]),
    }
    np.savez(tmp_path / "mine.npz", **arrays)
    ds = load(tmp_path / "mine.npz", val_fraction=0)
    assert (ds.name, ds.n_train, ds.n_test, ds.num_classes) == ("mine", 7, 4, 5)
    np.testing.assert_allclose(np.asarray(ds.train.x), arrays["x_train"], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ds.test.x), arrays["x_test"], rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(ds.test.y), arrays["y_test"])


def test_xy_layout_is_split_by_test_fraction(tmp_path):
    x = np.arange(40.0).reshape(20, 2)
    y = np.arange(20) % 2
    np.savez(tmp_path / "xy.npz", x=x, y=y)
    ds = load(tmp_path / "xy.npz", test_fraction=0.25, val_fraction=0, seed=3)
    assert (ds.n_train, ds.n_test) == (15, 5)
    got_x = np.concatenate([np.asarray(ds.train.x), np.asarray(ds.test.x)])
    got_y = np.concatenate([np.asarray(ds.train.y), np.asarray(ds.test.y)])
    order = np.argsort(got_x[:, 0])  # undo the split: rows are unique
    np.testing.assert_array_equal(got_x[order], x)
    np.testing.assert_array_equal(got_y[order], y)
    again = load(tmp_path / "xy.npz", test_fraction=0.25, val_fraction=0, seed=3)
    np.testing.assert_array_equal(np.asarray(again.test.x), np.asarray(ds.test.x))


def test_float_targets_make_a_regression_dataset(tmp_path):
    np.savez(tmp_path / "r.npz", x=np.ones((10, 2)), y=np.linspace(0, 1, 10))
    ds = load(tmp_path / "r.npz", test_fraction=0.3)
    assert not ds.is_classification and (ds.n_train, ds.n_val, ds.n_test) == (6, 1, 3)


def test_uint8_images_scaled_and_given_a_channel(tmp_path):
    images = np.array([[[0, 255], [51, 102]]] * 3, np.uint8)  # [3, 2, 2]
    np.savez(
        tmp_path / "img.npz",
        x_train=images,
        y_train=np.array([0, 1, 0], np.uint8),
        x_test=images[:1],
        y_test=np.array([1], np.uint8),
    )
    ds = load(tmp_path / "img.npz")
    assert ds.input_shape == (2, 2, 1)
    np.testing.assert_allclose(np.asarray(ds.train.x[0, :, :, 0]), [[0, 1], [0.2, 0.4]], rtol=1e-6)
    assert ds.num_classes == 2


@pytest.mark.parametrize(
    ("keys", "missing"),
    [({"x_train", "y_train", "x_test"}, "y_test"), ({"x"}, "y"), ({"a", "b"}, "x, y")],
)
def test_missing_keys_named(tmp_path, keys, missing):
    np.savez(tmp_path / "bad.npz", **{k: np.zeros((3, 2)) for k in keys})
    with pytest.raises(ValueError, match=rf"bad\.npz.*lacks the key\(s\) {missing}"):
        load(tmp_path / "bad.npz")


def test_bad_content_error_names_file_and_argument(tmp_path):
    np.savez(tmp_path / "nan.npz", x=np.array([[0.0], [np.nan], [1.0]]), y=np.array([0, 1, 0]))
    with pytest.raises(ValueError, match=r"nan\.npz.*x must be finite"):
        load(tmp_path / "nan.npz")


def test_object_arrays_are_never_unpickled(tmp_path):
    np.savez(tmp_path / "pickled.npz", x=np.array([{"a": 1}] * 3, dtype=object), y=np.zeros(3))
    with pytest.raises(ValueError, match=r"pickled\.npz"):
        load(tmp_path / "pickled.npz")


def test_not_a_zip(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"definitely not a zip archive")
    with pytest.raises(ValueError, match=r"cannot read .*junk\.npz"):
        load(tmp_path / "junk.npz")


def test_test_fraction_validated(tmp_path):
    np.savez(tmp_path / "xy.npz", x=np.ones((4, 1)), y=np.arange(4))
    with pytest.raises(ValueError, match="test_fraction"):
        load(tmp_path / "xy.npz", test_fraction=1.0)
