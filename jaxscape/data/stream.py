"""Training data that stays on the host: rows streamed into the population a window at a time.

A :class:`~jaxscape.data.Dataset` whose training split is a :class:`HostRows` is *streamed*:
the split is never copied to a device. Before each recording window the sweep engine reads the
rows that window's steps train on, ``x[batch_indices(...)]`` (the same rule and the same rows
as the in-memory path, see :func:`~jaxscape.data.batch_indices`), and sends only those; the
next window's rows are read on a background thread while the device trains on the current one.
So a population trains on a data set larger than host or device memory, with the numbers of the
in-memory path: the compiled step gathers ``x[idx]`` from the window's rows exactly as it
gathers from the whole split.

The held-out splits (validation, test) are read into device memory once, as in the in-memory
path: they are evaluated exactly at every record. Keep them to what fits (a few hundred MB).

Sources (:func:`open_npy`, :func:`stream`):

- ``.npy`` files opened memory-mapped: the map gives the layout, and rows are read with
  ``pread`` (runs of consecutive rows in one read), so nothing of the file becomes resident in
  the process (the OS page cache keeps what it reads, outside the process);
- any array-like with ``shape``, ``dtype`` and NumPy-style integer-array indexing (an
  ``h5py`` dataset, a ``zarr`` array, a ``np.memmap`` of part of a file): rows are read in
  increasing order (what ``h5py`` requires) and put back in the window's order; a memory map's
  pages are released after each read (``madvise(MADV_DONTNEED)``).
"""

from __future__ import annotations

import contextlib
import mmap
import os
from pathlib import Path
from typing import Any

import numpy as np

from jaxscape._checks import check_positive_int
from jaxscape.data.dataset import Dataset, Split, optional_split

__all__ = ["HostRows", "open_npy", "stream", "write_npy"]


class HostRows:
    """A split's inputs or targets held on the host, read by rows.

    Args:
      source: ``[n, *shape]`` array-like (``shape``, ``dtype``, integer-array indexing).
      dtype: the dtype rows are converted to when read (float32 inputs, int32 labels, float32
        regression targets).

    Example:
      >>> import numpy as np
      >>> rows = HostRows(np.arange(12).reshape(6, 2), np.float32)
      >>> rows.shape, rows.dtype
      ((6, 2), dtype('float32'))
      >>> rows.take(np.array([4, 1, 4]))
      array([[8., 9.],
             [2., 3.],
             [8., 9.]], dtype=float32)
    """

    def __init__(self, source: Any, dtype: Any) -> None:
        shape = getattr(source, "shape", None)
        if shape is None or not hasattr(source, "__getitem__") or len(shape) < 1:
            raise TypeError(
                "a streamed split needs an array-like with a shape and row indexing "
                f"(a np.memmap, an h5py dataset, a zarr array), got {type(source).__name__}"
            )
        kind = np.dtype(getattr(source, "dtype", np.float32))
        if not (np.issubdtype(kind, np.number) or np.issubdtype(kind, np.bool_)):
            raise TypeError(f"a streamed split must hold numbers, got dtype {kind}")
        self.source = source
        self.layout = _file_layout(source)  # (file, offset): rows read with pread, else None
        self.shape = tuple(int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.ndim = len(self.shape)

    def __len__(self) -> int:
        return self.shape[0]

    def take(self, rows: np.ndarray) -> np.ndarray:
        """Rows ``rows`` (``[m]`` int, any order, repeats allowed) as ``[m, *shape]``."""
        rows = np.asarray(rows, np.int64).ravel()
        unique, inverse = np.unique(rows, return_inverse=True)
        if self.layout is not None:
            got = _pread_rows(self.source, self.layout, unique).astype(self.dtype, copy=False)
        else:
            got = np.asarray(self.source[unique], dtype=self.dtype)
            _release(self.source)
        return got[inverse]

    def __repr__(self) -> str:
        return f"HostRows(shape={self.shape}, dtype={self.dtype})"


def _file_layout(source: Any) -> tuple[str, int] | None:
    """``(file name, byte offset of row 0)`` of a C-ordered ``np.memmap`` that owns its map
    (what ``np.load(mmap_mode="r")`` returns; not a slice of one), else ``None``."""
    name = getattr(source, "filename", None)
    if not isinstance(source, np.memmap) or name is None or not source.flags.c_contiguous:
        return None
    if not isinstance(source.base, mmap.mmap):  # a view of a map: its own offset is unknown
        return None
    return str(name), int(source.offset)


def _pread_rows(source: np.memmap, layout: tuple[str, int], unique: np.ndarray) -> np.ndarray:
    """Rows ``unique`` (sorted, distinct) of a memory-mapped file read with ``pread``: runs of
    consecutive rows in one read each, nothing mapped into this process (a read through the map
    would fault whole neighbourhoods of pages in: gigabytes of resident memory for a few
    thousand scattered rows). ``layout``: :func:`_file_layout` of ``source``."""
    name, offset = layout
    row_bytes = source.itemsize * int(np.prod(source.shape[1:], dtype=np.int64))
    out = np.empty((unique.size, *source.shape[1:]), source.dtype)
    view = memoryview(out.reshape(-1).view(np.uint8))
    cut = np.flatnonzero(np.diff(unique) != 1) + 1
    starts, ends = np.concatenate([[0], cut]), np.concatenate([cut, [unique.size]])
    fd = os.open(name, os.O_RDONLY)
    try:
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            want, at = (b - a) * row_bytes, offset + int(unique[a]) * row_bytes
            if os.preadv(fd, [view[a * row_bytes : b * row_bytes]], at) != want:
                raise OSError(f"short read from {name!r} at byte {at}")
    finally:
        os.close(fd)
    return out


def _release(source: Any) -> None:
    """Drop the pages a memory-mapped ``source`` read from this process's resident set (the
    file's pages stay in the OS cache; clean pages, nothing is lost)."""
    raw = getattr(source, "_mmap", None)
    if raw is not None and hasattr(mmap, "MADV_DONTNEED"):
        with contextlib.suppress(OSError, ValueError):  # a closed map: nothing to release
            raw.madvise(mmap.MADV_DONTNEED)


def is_streamed(data: Dataset | None) -> bool:
    """Whether ``data``'s training split is held on the host (:class:`HostRows`)."""
    return data is not None and isinstance(data.train.x, HostRows)


def stream(
    x_train: Any,
    y_train: Any,
    *,
    val: tuple[Any, Any] | None = None,
    test: tuple[Any, Any] | None = None,
    num_classes: int | None = None,
    name: str = "streamed",
) -> Dataset:
    """A dataset whose training split stays on the host and is streamed a window at a time.

    Args:
      x_train: ``[n, *input_shape]`` array-like of inputs (read as float32).
      y_train: ``[n]`` integer class labels, or ``[n]`` / ``[n, k]`` float regression targets.
      val: optional ``(x, y)`` validation split, read into device memory.
      test: optional ``(x, y)`` test split, read into device memory.
      num_classes: classes of a classification task (``None``: the largest label + 1); the
        labels are read once and checked to lie in ``[0, num_classes)``; regression when ``y``
        is floating.
      name: short name used in reports.

    Example:
      >>> import numpy as np
      >>> x, y = np.zeros((100, 3), np.float32), np.arange(100) % 4
      >>> stream(x, y, val=(x[:10], y[:10]), num_classes=4)
      Dataset('streamed', train=100, val=10, test=0, input_shape=(3,), 4 classes)
    """
    x_rows = HostRows(x_train, np.float32)
    classification = np.issubdtype(np.dtype(getattr(y_train, "dtype", np.float32)), np.integer)
    y_rows = HostRows(y_train, np.int32 if classification else np.float32)
    if len(x_rows) != len(y_rows):
        raise ValueError(f"x_train has {len(x_rows)} rows but y_train has {len(y_rows)}")
    check_positive_int("x_train rows", len(x_rows))
    if classification:
        num_classes = _check_labels(np.asarray(y_train[:]), num_classes)
    elif num_classes is not None:
        raise ValueError("num_classes must be None for regression targets (floating y_train)")
    held = {}
    for arg, pair in (("val", val), ("test", test)):
        held[arg] = None if pair is None else _held(arg, pair, x_rows, classification)
    return Dataset(
        name=name,
        train=Split(x=x_rows, y=y_rows),
        test=held["test"],
        num_classes=num_classes,
        val=held["val"],
    )


def _check_labels(y: np.ndarray, num_classes: int | None) -> int:
    """``num_classes`` (``max label + 1`` when ``None``) after checking every label is in
    ``[0, num_classes)`` (labels are small beside the inputs: read once)."""
    low, high = (int(y.min()), int(y.max())) if y.size else (0, 0)
    if num_classes is None:
        num_classes = high + 1
    num_classes = check_positive_int("num_classes", num_classes)
    if low < 0 or high >= num_classes:
        raise ValueError(
            f"y_train labels must be in [0, num_classes={num_classes}), got {low} .. {high}"
        )
    return num_classes


def _held(arg: str, pair: Any, x_rows: HostRows, classification: bool) -> Split:
    """A held-out split ``(x, y)``, checked against the training inputs, on the device."""
    if not (isinstance(pair, tuple | list) and len(pair) == 2):
        raise TypeError(f"{arg} must be a pair (x, y), got {type(pair).__name__}")
    x, y = np.asarray(pair[0], np.float32), np.asarray(pair[1])
    if x.shape[1:] != x_rows.shape[1:]:
        raise ValueError(
            f"{arg} inputs have shape {x.shape[1:]} per row but x_train has {x_rows.shape[1:]}"
        )
    if len(x) != len(y):
        raise ValueError(f"{arg}: x has {len(x)} rows but y has {len(y)}")
    return optional_split(x, y, classification=classification)


#: The files :func:`open_npy` reads: the training split (required) and the held-out splits.
NPY_FILES = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")


def open_npy(
    folder: str | os.PathLike, *, num_classes: int | None = None, name: str | None = None
) -> Dataset:
    """A streamed dataset from a folder of ``.npy`` files, the training split memory-mapped.

    The folder holds ``x_train.npy`` and ``y_train.npy`` (memory-mapped: nothing is read until
    a window needs its rows) and optionally ``x_val.npy``/``y_val.npy`` and
    ``x_test.npy``/``y_test.npy`` (read into memory). :func:`write_npy` writes such a folder.

    Example:
      >>> import numpy as np, tempfile
      >>> folder = tempfile.mkdtemp()
      >>> x, y = np.ones((50, 2), np.float32), np.arange(50) % 2
      >>> _ = write_npy(folder, x_train=x, y_train=y, x_val=x[:5], y_val=y[:5])
      >>> open_npy(folder, num_classes=2)
      Dataset('...', train=50, val=5, test=0, input_shape=(2,), 2 classes)
    """
    path = Path(os.fspath(folder)).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"folder {str(path)!r} does not exist (open_npy reads a folder)")
    arrays = {}
    for key in NPY_FILES:
        f = path / f"{key}.npy"
        if f.is_file():
            mode = "r" if key.endswith("_train") else None
            try:
                arrays[key] = np.load(f, mmap_mode=mode, allow_pickle=False)
            except (ValueError, OSError) as err:
                raise ValueError(f"cannot read {str(f)!r}: {err}") from err
    for key in ("x_train", "y_train"):
        if key not in arrays:
            raise FileNotFoundError(f"{key}.npy is missing from {str(path)!r}")
    pair = lambda s: (arrays[f"x_{s}"], arrays[f"y_{s}"]) if f"x_{s}" in arrays else None
    return stream(
        arrays["x_train"],
        arrays["y_train"],
        val=pair("val"),
        test=pair("test"),
        num_classes=num_classes,
        name=name or path.resolve().name,
    )


def write_npy(folder: str | os.PathLike, **arrays: Any) -> Path:
    """Write ``arrays`` (names from ``x_train``, ``y_train``, ``x_val``, ``y_val``, ``x_test``,
    ``y_test``) as ``.npy`` files into ``folder`` (created); returns the folder."""
    unknown = sorted(set(arrays) - set(NPY_FILES))
    if unknown:
        raise ValueError(f"write_npy: unknown array name(s) {unknown}; allowed: {NPY_FILES}")
    path = Path(os.fspath(folder)).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    for key, value in arrays.items():
        np.save(path / f"{key}.npy", np.asarray(value), allow_pickle=False)
    return path
