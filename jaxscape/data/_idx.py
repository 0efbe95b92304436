"""Reading IDX files (the MNIST / Fashion-MNIST container), raw or gzipped.

An IDX file is a big-endian header followed by a dense payload: a 4-byte magic number
``0x00 0x00 <type> <ndim>`` (type ``0x08`` is unsigned byte), then ``ndim`` big-endian uint32
dimension sizes, then ``prod(dims)`` values. MNIST images have magic 2051 (``0x00000803``: uint8,
3 dims ``[n, rows, cols]``), labels magic 2049 (``0x00000801``: uint8, 1 dim ``[n]``).
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049


def read_bytes(path: Path) -> bytes:
    """The (decompressed, when the name ends in ``.gz``) content of ``path``."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                return fh.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as err:
        raise ValueError(f"cannot read IDX file {str(path)!r}: {err}") from err


def read_idx(path: Path, magic: int) -> np.ndarray:
    """The uint8 array stored in the IDX file ``path``; ``magic`` is 2051 or 2049.

    Raises ``ValueError`` naming ``path`` for a wrong magic number, a short header, a truncated
    payload or trailing bytes.
    """
    raw = read_bytes(path)
    where = f"IDX file {str(path)!r}"
    kind = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}[magic]
    if len(raw) < 4:
        raise ValueError(f"{where} is too short ({len(raw)} bytes) to hold an IDX header")
    got = int.from_bytes(raw[:4], "big")
    if got != magic:
        raise ValueError(
            f"{where} has magic number {got} (0x{got:08x}); expected {magic} (0x{magic:08x}) "
            f"for uint8 {kind} — is it the right file?"
        )
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"{where} is truncated: {len(raw)} bytes, but its header alone needs {header}"
        )
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    need = math.prod(dims)
    have = len(raw) - header
    if have < need:
        raise ValueError(
            f"{where} is truncated: its header declares shape {dims} ({need} bytes of "
            f"payload) but only {have} bytes follow"
        )
    if have > need:
        raise ValueError(
            f"{where} has {have - need} unexpected trailing bytes after the {need}-byte "
            f"payload of shape {dims}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)
