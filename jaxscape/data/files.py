"""``load``: datasets from local files — MNIST-style IDX folders or ``.npz`` — never a download.

Files are only read: nothing is fetched over the network and nothing is unpickled (``.npz``
files are opened with ``allow_pickle=False``).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from jaxscape._checks import check_range
from jaxscape.data._idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx
from jaxscape.data.arrays import from_arrays
from jaxscape.data.dataset import Dataset
from jaxscape.data.stream import open_npy

#: The four files of an MNIST-style folder: (prefix, IDX type suffix).
IDX_FILES = (
    ("train-images", "idx3-ubyte"),
    ("train-labels", "idx1-ubyte"),
    ("t10k-images", "idx3-ubyte"),
    ("t10k-labels", "idx1-ubyte"),
)

SPLIT_KEYS = ("x_train", "y_train", "x_test", "y_test")


def load(
    path: str | os.PathLike,
    *,
    test_fraction: float = 0.2,
    val_fraction: float = 0.15,
    seed: int = 0,
    name: str | None = None,
) -> Dataset:
    """Load a dataset from local files.

    Two layouts are understood:

    * **A folder of IDX files** as distributed for MNIST and Fashion-MNIST:
      ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
      ``t10k-labels-idx1-ubyte``, each raw or gzipped (``.gz``), with ``-`` or ``.`` before
      ``idx`` (``train-images.idx3-ubyte``). Images (magic 2051, uint8 ``[n, H, W]``) become
      float32 ``[n, H, W, 1]`` scaled by 1/255; labels (magic 2049) int32 ``[n]``. The t10k
      files are the test split.
    * **A** ``.npz`` **file** with either ``x_train``/``y_train``/``x_test``/``y_test`` (its own
      split) or ``x``/``y`` (split here: ``test_fraction`` of the rows, seeded by ``seed``,
      stratified by class for integer labels). uint8 ``[n, H, W]`` or ``[n, H, W, C]`` inputs
      are taken to be 8-bit images: scaled by 1/255, with a trailing channel axis added to
      ``[n, H, W]``. Other inputs are used as they are (as float32). The task follows ``y``'s
      dtype as in :func:`~jaxscape.data.from_arrays`.

    * **A folder of** ``.npy`` **files** ``x_train.npy``, ``y_train.npy`` (and optionally
      ``x_val``/``y_val``, ``x_test``/``y_test``): the training split is memory-mapped and
      streamed (see :func:`~jaxscape.data.open_npy`); its splits are the files', so
      ``test_fraction``, ``val_fraction`` and ``seed`` do not apply.

    Classification datasets get ``num_classes = max label + 1``. In both layouts the
    validation split is ``val_fraction`` of the training rows, carved as by
    :func:`~jaxscape.data.from_arrays` (seeded by ``seed``, stratified by class).

    Args:
      path: the folder or ``.npz`` file.
      test_fraction: held-out fraction for an ``.npz`` with ``x``/``y`` only, in ``[0, 1)``.
      val_fraction: fraction of the training rows held out for validation, in ``[0, 1)``.
      seed: seed of those splits.
      name: dataset name; defaults to the folder name or the file name without ``.npz``.

    Returns:
      The dataset, on the device.

    Raises:
      FileNotFoundError: ``path``, or one of the four IDX files, does not exist (the message
        names the file and the spellings tried).
      ValueError: a file is malformed (the message names it and says why: wrong magic number,
        truncated payload, image/label count mismatch, missing ``.npz`` keys, ...).

    Example:
      >>> import numpy as np, tempfile, os
      >>> f = os.path.join(tempfile.mkdtemp(), "blobs.npz")
      >>> np.savez(f, x=np.random.default_rng(0).normal(size=(50, 2)), y=np.arange(50) % 5)
      >>> load(f)
      Dataset('blobs', train=34, val=6, test=10, input_shape=(2,), 5 classes)
    """
    path = Path(os.fspath(path)).expanduser()
    check_range("test_fraction", test_fraction, low=0.0, high=1.0, high_open=True)
    check_range("val_fraction", val_fraction, low=0.0, high=1.0, high_open=True)
    if not path.exists():
        raise FileNotFoundError(f"path {str(path)!r} does not exist")
    split = {"val_fraction": val_fraction, "seed": seed}
    if path.is_dir() and (path / "x_train.npy").is_file():
        return open_npy(path, name=name)
    if path.is_dir():
        return _load_idx_folder(path, name or path.resolve().name, split)
    if path.suffix.lower() == ".npz":
        return _load_npz(path, name or path.stem, test_fraction, split)
    raise ValueError(
        f"path {str(path)!r} is neither a folder of IDX files nor a .npz file; "
        "jaxscape.data.load reads only those"
    )


def _find_idx(folder: Path, prefix: str, kind: str) -> Path:
    tried = [f"{prefix}{sep}{kind}{gz}" for sep in ("-", ".") for gz in ("", ".gz")]
    for candidate in tried:
        if (folder / candidate).is_file():
            return folder / candidate
    raise FileNotFoundError(
        f"IDX file {prefix}-{kind} is missing from {str(folder)!r} (looked for {', '.join(tried)})"
    )


def _load_idx_folder(folder: Path, name: str, split: dict) -> Dataset:
    files = [_find_idx(folder, prefix, kind) for prefix, kind in IDX_FILES]
    x_tr, y_tr, x_te, y_te = (
        read_idx(f, IMAGES_MAGIC if kind == "idx3-ubyte" else LABELS_MAGIC)
        for f, (_, kind) in zip(files, IDX_FILES, strict=True)
    )
    for (xs, ys), (fx, fy) in (((x_tr, y_tr), files[:2]), ((x_te, y_te), files[2:])):
        if len(xs) != len(ys):
            raise ValueError(
                f"IDX image/label count mismatch: {str(fx)!r} holds {len(xs)} images but "
                f"{str(fy)!r} holds {len(ys)} labels"
            )
        if len(xs) == 0:
            raise ValueError(f"IDX file {str(fx)!r} holds no images")
    if x_tr.shape[1:] != x_te.shape[1:]:
        raise ValueError(
            f"IDX image size mismatch: {str(files[0])!r} holds {x_tr.shape[1:]} images but "
            f"{str(files[2])!r} holds {x_te.shape[1:]}"
        )
    return from_arrays(
        _images(x_tr),
        y_tr.astype(np.int32),
        x_test=_images(x_te),
        y_test=y_te.astype(np.int32),
        task="classification",
        name=name,
        **split,
    )


def _images(raw: np.ndarray) -> np.ndarray:
    """uint8 ``[n, H, W]`` (or ``[n, H, W, C]``) to float32 NHWC scaled to ``[0, 1]``."""
    x = raw.astype(np.float32) / np.float32(255.0)
    return x[..., None] if raw.ndim == 3 else x


def _load_npz(path: Path, name: str, test_fraction: float, split: dict) -> Dataset:
    where = f".npz file {str(path)!r}"
    try:
        with np.load(path, allow_pickle=False) as data:
            keys = set(data.files)
            wanted = SPLIT_KEYS if keys & set(SPLIT_KEYS) else ("x", "y")
            missing = [k for k in wanted if k not in keys]
            if missing:
                raise ValueError(
                    f"{where} lacks the key(s) {', '.join(missing)}: it needs either x_train, "
                    f"y_train, x_test, y_test or x, y; it has {', '.join(sorted(keys)) or 'none'}"
                )
            arrays = {k: data[k] for k in wanted}
    except ValueError as err:
        if str(err).startswith(where):
            raise
        # np.load refuses object arrays (pickles) with a ValueError of its own.
        raise ValueError(f"cannot read {where}: {err}") from err
    except (OSError, zipfile.BadZipFile, EOFError) as err:
        raise ValueError(f"cannot read {where}: {err}") from err

    def prep(x: np.ndarray) -> np.ndarray:
        return _images(x) if x.dtype == np.uint8 and x.ndim in (3, 4) else x

    try:
        if "x" in arrays:
            return from_arrays(
                prep(arrays["x"]), arrays["y"], test_fraction=test_fraction, name=name, **split
            )
        return from_arrays(
            prep(arrays["x_train"]),
            arrays["y_train"],
            x_test=prep(arrays["x_test"]),
            y_test=arrays["y_test"],
            name=name,
            **split,
        )
    except (ValueError, TypeError) as err:
        raise type(err)(f"{where}: {err}") from err
