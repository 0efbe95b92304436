"""Datasets held on the device as arrays, and the mini-batch indices of a training run.

* :func:`digits` — the embedded default (scikit-learn's 8x8 digits), no download, no sklearn.
* :func:`load` — local MNIST/Fashion-MNIST IDX folders or ``.npz`` files (never a download).
* :func:`from_arrays` — any in-memory arrays, validated.
* :func:`teacher`, :func:`house_prices` — synthetic benchmark and teaching data.
* :func:`batch_indices` — which rows each optimizer step of a run trains on.
* :func:`open_npy`, :func:`stream` — training data kept on the host (memory-mapped ``.npy``
  files, any array-like) and streamed into a population a window at a time
  (:mod:`jaxscape.data.stream`); :func:`write_npy` writes such a folder.

Every loader carves a validation split from its training rows (``val_fraction``, default 0.15;
seeded, fixed, stratified by class; ``0`` for none): :mod:`jaxscape.tune` chooses on it and
leaves the test split for the final report.

>>> from jaxscape import data
>>> data.digits()
Dataset('digits', train=1221, val=216, test=360, input_shape=(8, 8, 1), 10 classes)
"""

from __future__ import annotations

from jaxscape.data.arrays import from_arrays
from jaxscape.data.batching import batch_indices
from jaxscape.data.dataset import Dataset, Split
from jaxscape.data.embedded import digits
from jaxscape.data.files import load
from jaxscape.data.housing import house_price_coefficients, house_prices
from jaxscape.data.stream import HostRows, open_npy, stream, write_npy
from jaxscape.data.teacher_student import teacher

__all__ = [
    "Dataset",
    "HostRows",
    "Split",
    "batch_indices",
    "digits",
    "from_arrays",
    "house_price_coefficients",
    "house_prices",
    "load",
    "open_npy",
    "stream",
    "teacher",
    "write_npy",
]
