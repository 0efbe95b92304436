"""Streamed training splits (jaxscape.data.stream): row reads, .npy folders, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import jaxscape as js
from jaxscape.data.stream import HostRows, is_streamed, open_npy, stream, write_npy


def test_take_reads_rows_in_any_order_with_repeats():
    source = np.arange(30, dtype=np.int64).reshape(10, 3)
    rows = np.array([7, 2, 7, 0, 9])
    got = HostRows(source, np.float32).take(rows)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, source[rows].astype(np.float32))


class _Increasing:
    """An array-like that, like an h5py dataset, only takes strictly increasing row indices."""

    def __init__(self, a):
        self.a, self.shape, self.dtype = a, a.shape, a.dtype

    def __getitem__(self, rows):
        rows = np.asarray(rows)
        assert np.all(np.diff(rows) > 0), "rows must be strictly increasing"
        return self.a[rows]


def test_take_reads_sorted_unique_rows_from_the_source():
    a = np.arange(20.0).reshape(10, 2)
    got = HostRows(_Increasing(a), np.float32).take(np.array([5, 1, 5, 3]))
    np.testing.assert_array_equal(got, a[[5, 1, 5, 3]])


def test_open_npy_round_trip_and_memory_map(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 4)).astype(np.float32), rng.integers(0, 3, 40)
    write_npy(tmp_path, x_train=x, y_train=y, x_test=x[:6], y_test=y[:6])
    ds = open_npy(tmp_path)
    assert is_streamed(ds) and not is_streamed(js.data.digits())
    assert (ds.n_train, ds.n_val, ds.n_test, ds.num_classes) == (40, 0, 6, int(y.max()) + 1)
    assert isinstance(ds.train.x.source, np.memmap)  # nothing read up front
    np.testing.assert_array_equal(ds.train.x.take(np.arange(40)), x)
    np.testing.assert_array_equal(ds.train.y.take(np.arange(40)), y.astype(np.int32))
    np.testing.assert_array_equal(np.asarray(ds.test.x), x[:6])


def test_regression_targets_stay_float():
    x, y = np.zeros((8, 2), np.float32), np.linspace(0, 1, 8)
    ds = stream(x, y)
    assert not ds.is_classification and ds.train.y.dtype == np.float32


def test_bad_input_names_what_is_wrong(tmp_path):
    x = np.zeros((10, 3), np.float32)
    with pytest.raises(TypeError, match="array-like"):
        stream([1, 2, 3], np.zeros(3, int))
    with pytest.raises(ValueError, match="x_train has 10 rows but y_train has 9"):
        stream(x, np.zeros(9, int))
    with pytest.raises(ValueError, match="val inputs have shape"):
        stream(x, np.zeros(10, int), val=(np.zeros((2, 4)), np.zeros(2, int)))
    with pytest.raises(TypeError, match="test must be a pair"):
        stream(x, np.zeros(10, int), test=np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"labels must be in \[0, num_classes=3\), got 0 .. 9"):
        stream(x, np.arange(10), num_classes=3)
    with pytest.raises(ValueError, match=r"got -1 \.\. 8"):
        stream(x, np.arange(10) - 1)
    with pytest.raises(TypeError, match="must hold numbers"):
        stream(np.array([["a"]] * 10), np.zeros(10, int))
    with pytest.raises(ValueError, match="num_classes must be None"):
        stream(x, np.zeros(10), num_classes=3)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        open_npy(tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match=r"y_train\.npy is missing"):
        write_npy(tmp_path / "half", x_train=x)
        open_npy(tmp_path / "half")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x_train.npy").write_text("not an array")
    np.save(tmp_path / "bad" / "y_train.npy", np.zeros(10, int))
    with pytest.raises(ValueError, match=r"cannot read .*x_train\.npy"):
        open_npy(tmp_path / "bad")
    with pytest.raises(ValueError, match="unknown array name"):
        write_npy(tmp_path, x_tran=x)


def test_load_and_the_cli_open_a_npy_folder_streamed(tmp_path, digits):
    from jaxscape.cli import main

    host = lambda s: (np.asarray(s.x), np.asarray(s.y))
    (x, y), (xv, yv) = host(digits.train), host(digits.val)
    folder = write_npy(tmp_path / "npy", x_train=x, y_train=y, x_val=xv, y_val=yv)
    assert is_streamed(js.data.load(folder))
    out = tmp_path / "run"
    argv = ["sweep", "--data", str(folder), "--model", "logreg", "--lr", "0.01:1:2"]
    argv += ["--steps", "8", "--eval-every", "4", "--batch-size", "16", "--out", str(out)]
    assert main([*argv, "--quiet"]) == 0
    res = js.SweepResult.load(out)
    assert res.metrics["val_accuracy"].shape == (2, 2)


def test_rows_of_a_npy_file_are_read_without_mapping_them(tmp_path):
    from jaxscape.data.stream import _file_layout

    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 3, 2)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    rows = rng.integers(0, 500, 300)  # runs and gaps, repeats, any order
    assert _file_layout(mapped) is not None  # the pread path
    np.testing.assert_array_equal(HostRows(mapped, np.float32).take(rows), x[rows])
    part = mapped[100:]  # a view: its offset is not the file's, read through the map
    assert _file_layout(part) is None
    np.testing.assert_array_equal(HostRows(part, np.float32).take(rows % 400), x[100:][rows % 400])
