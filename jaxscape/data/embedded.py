"""``digits``: the embedded default dataset, 8x8 handwritten digits shipped inside jaxscape.

Provenance and licence: "Optical Recognition of Handwritten Digits" by E. Alpaydin and
C. Kaynak, UCI Machine Learning Repository (https://doi.org/10.24432/C50P49), licensed under
CC BY 4.0; the 1797-image copy bundled with scikit-learn (BSD-3-Clause) as
``sklearn.datasets.load_digits``. ``digits.npz`` next to this module was written from it by
``scripts/make_digits_npz.py``; scikit-learn is not needed at run time.
"""

from __future__ import annotations

import importlib.resources

import numpy as np

from jaxscape._checks import check_range
from jaxscape.data._split import hold_out
from jaxscape.data.dataset import Dataset, as_device_split, optional_split

#: Size of the fixed split: 36 test images of each of the 10 classes.
DIGITS_TRAIN, DIGITS_TEST = 1437, 360


def digits(flatten: bool = False, val_fraction: float = 0.15) -> Dataset:
    """scikit-learn's 8x8 handwritten digits: 1797 images of 10 classes, with a fixed split.

    The test split holds 36 images of every digit (360, 20.0%); the other 1437 train. The split
    was drawn once (seeded, stratified; see ``scripts/make_digits_npz.py``) and is stored in the
    embedded file, so it never changes between versions. The validation split is
    ``val_fraction`` of the 1437 training images (216 at the default 0.15, rounded half up),
    stratified by class and drawn with ``np.random.default_rng(0)`` (see
    :func:`~jaxscape.data.from_arrays`), so it is fixed too; the rest train. Within each
    split, rows keep scikit-learn's order.

    Args:
      flatten: return inputs as ``[n, 64]`` vectors instead of ``[n, 8, 8, 1]`` images.
      val_fraction: fraction of the training images held out for validation, in ``[0, 1)``;
        ``0`` keeps all 1437 for training and has no validation split.

    Returns:
      A dataset named ``"digits"``: inputs float32 pixel counts divided by 16 (values in
      ``[0, 1]``), NHWC ``[n, 8, 8, 1]`` (or ``[n, 64]``); labels int32 ``[n]`` in ``0..9``.

    Example:
      >>> ds = digits()
      >>> ds.n_train, ds.n_val, ds.n_test, ds.input_shape, ds.num_classes
      (1221, 216, 360, (8, 8, 1), 10)
      >>> digits(val_fraction=0).n_train
      1437
      >>> digits(flatten=True).input_shape
      (64,)
    """
    if not isinstance(flatten, bool):
        raise TypeError(f"flatten must be a bool, got {type(flatten).__name__}")
    check_range("val_fraction", val_fraction, low=0.0, high=1.0, high_open=True)
    images, labels, test_index = _read()
    x = images.astype(np.float32) / np.float32(16.0)
    x = x.reshape(len(x), 64) if flatten else x[..., None]
    is_test = np.zeros(len(x), bool)
    is_test[test_index] = True
    y = labels.astype(np.int32)
    x_tr, y_tr, x_val, y_val = hold_out(
        x[~is_test], y[~is_test], val_fraction, 0, stratify=True, arg="val_fraction"
    )
    return Dataset(
        name="digits",
        train=as_device_split(x_tr, y_tr, classification=True),
        test=as_device_split(x[is_test], y[is_test], classification=True),
        num_classes=10,
        val=optional_split(x_val, y_val, classification=True),
    )


def _read() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(images [1797, 8, 8] uint8, labels [1797] uint8, test_index [360])`` from the package."""
    resource = importlib.resources.files("jaxscape.data").joinpath("digits.npz")
    with resource.open("rb") as fh, np.load(fh, allow_pickle=False) as data:
        return data["images"], data["labels"], data["test_index"].astype(np.int64)
