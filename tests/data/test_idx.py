"""``load`` on MNIST-style IDX folders: round trips and precise errors for broken files."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from jaxscape.data import load

NAMES = {
    "train_x": "train-images-idx3-ubyte",
    "train_y": "train-labels-idx1-ubyte",
    "test_x": "t10k-images-idx3-ubyte",
    "test_y": "t10k-labels-idx1-ubyte",
}


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """An independent IDX writer: big-endian magic, big-endian uint32 dims, uint8 payload."""
    array = np.asarray(array, np.uint8)
    if magic is None:
        magic = 0x0800 | array.ndim
    return struct.pack(">i", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def make_arrays(seed: int = 0, n_train: int = 12, n_test: int = 5, size: int = 4):
    rng = np.random.default_rng(seed)
    return {
        "train_x": rng.integers(0, 256, (n_train, size, size), dtype=np.uint8),
        "train_y": rng.integers(0, 10, n_train, dtype=np.uint8),
        "test_x": rng.integers(0, 256, (n_test, size, size), dtype=np.uint8),
        "test_y": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def write_folder(folder, arrays, *, gz=False, sep="-", override=None):
    folder.mkdir(parents=True, exist_ok=True)
    for key, name in NAMES.items():
        name = name.replace("-idx", f"{sep}idx")
        data = (override or {}).get(key) or idx_bytes(arrays[key])
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize(("gz", "sep"), [(False, "-"), (True, "-"), (False, "."), (True, ".")])
def test_idx_round_trip(tmp_path, gz, sep):
    arrays = make_arrays()
    arrays["train_y"][0] = 9  # the largest label defines num_classes
    folder = write_folder(tmp_path / "tinymnist", arrays, gz=gz, sep=sep)
    ds = load(folder, val_fraction=0)
    assert ds.name == "tinymnist"
    assert ds.num_classes == int(max(arrays["train_y"].max(), arrays["test_y"].max())) + 1 == 10
    assert ds.input_shape == (4, 4, 1)
    assert ds.train.x.dtype == np.float32 and ds.train.y.dtype == np.int32
    for split, xk, yk in ((ds.train, "train_x", "train_y"), (ds.test, "test_x", "test_y")):
        np.testing.assert_allclose(
            np.asarray(split.x)[..., 0], arrays[xk].astype(np.float64) / 255.0, rtol=1e-6
        )
        np.testing.assert_array_equal(np.asarray(split.y), arrays[yk])


def test_num_classes_counts_test_labels(tmp_path):
    arrays = make_arrays()
    arrays["train_y"][:] = 1
    arrays["test_y"][:] = 3
    assert load(write_folder(tmp_path / "d", arrays)).num_classes == 4


def test_path_object_and_str_accepted(tmp_path):
    folder = write_folder(tmp_path / "d", make_arrays())
    assert load(str(folder)).n_train == load(folder).n_train == 10  # 2 of 12 for validation


def test_missing_file_is_named(tmp_path):
    folder = write_folder(tmp_path / "d", make_arrays())
    (folder / NAMES["test_y"]).unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte") as err:
        load(folder)
    assert "t10k-labels.idx1-ubyte.gz" in str(err.value)  # the spellings tried are listed


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load(tmp_path / "nowhere")


def test_other_file_type_rejected(tmp_path):
    f = tmp_path / "data.csv"
    f.write_text("1,2\n")
    with pytest.raises(ValueError, match=r"data\.csv.*neither"):
        load(f)


@pytest.mark.parametrize(
    ("key", "broken", "message"),
    [
        ("train_x", lambda a: idx_bytes(a, magic=2049), r"magic number 2049.*expected 2051"),
        ("train_y", lambda a: idx_bytes(a, magic=2051), r"magic number 2051.*expected 2049"),
        ("test_x", lambda a: idx_bytes(a)[:-7], r"truncated.*\(5, 4, 4\).*80 bytes.*73"),
        ("test_y", lambda a: idx_bytes(a) + b"\0\0", "2 unexpected trailing bytes"),
        ("train_x", lambda a: idx_bytes(a)[:9], "truncated.*header"),
        ("train_y", lambda a: b"\0\0", "too short"),
    ],
)
@pytest.mark.parametrize("gz", [False, True])
def test_malformed_file_is_named(tmp_path, key, broken, message, gz):
    arrays = make_arrays()
    folder = write_folder(tmp_path / "d", arrays, gz=gz, override={key: broken(arrays[key])})
    with pytest.raises(ValueError, match=message) as err:
        load(folder)
    assert NAMES[key] in str(err.value)
    others = [name for k, name in NAMES.items() if k != key]
    assert not any(name in str(err.value) for name in others)


def test_count_mismatch_names_both_files(tmp_path):
    arrays = make_arrays()
    arrays["test_y"] = arrays["test_y"][:4]
    with pytest.raises(ValueError, match="count mismatch") as err:
        load(write_folder(tmp_path / "d", arrays))
    assert NAMES["test_x"] in str(err.value) and NAMES["test_y"] in str(err.value)
    assert "5 images" in str(err.value) and "4 labels" in str(err.value)


def test_image_size_mismatch(tmp_path):
    arrays = make_arrays()
    arrays["test_x"] = np.zeros((5, 3, 3), np.uint8)
    with pytest.raises(ValueError, match="size mismatch"):
        load(write_folder(tmp_path / "d", arrays))


def test_corrupt_gzip_is_named(tmp_path):
    folder = write_folder(tmp_path / "d", make_arrays(), gz=True)
    (folder / f"{NAMES['train_y']}.gz").write_bytes(b"\x1f\x8b\x08not really gzip")
    with pytest.raises(ValueError, match=f"cannot read IDX file.*{NAMES['train_y']}"):
        load(folder)
