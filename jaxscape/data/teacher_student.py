"""``teacher``: synthetic teacher–student classification data with MNIST shapes, for benchmarks.

Inputs are uniform noise "images"; labels come from a fixed random one-hidden-layer MLP (the
teacher). A student network can fit the labels exactly in principle, the data cost nothing to
make, and any size or shape can be drawn reproducibly — so throughput benchmarks need no
download.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from jaxscape._checks import check_positive_int, check_range
from jaxscape.data._split import hold_out
from jaxscape.data.dataset import Dataset, as_device_split, optional_split

#: Inputs drawn to calibrate the teacher's class balance (independent of ``n_train``/``n_test``).
CALIBRATION_SIZE = 32_768
_ROWS = 2048  # rows per block when evaluating the teacher, to bound float64 temporaries
_BALANCE_ITERS = 200


def teacher(
    n_train: int = 10_000,
    n_test: int = 2_000,
    input_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    hidden: int = 64,
    seed: int = 0,
    val_fraction: float = 0.15,
) -> Dataset:
    """Inputs uniform in ``[0, 1)``, labelled by the argmax of a fixed random teacher MLP.

    With ``d = prod(input_shape)``, the teacher computes
    ``logits = (tanh((x - 0.5) @ W1) @ W2 - mu) / sigma - b`` with ``W1 [d, hidden]`` drawn
    ``N(0, 12 / d)`` (unit-variance pre-activations), ``W2 [hidden, num_classes]`` drawn
    ``N(0, 1 / hidden)``, and the label is ``argmax(logits)``.

    Class balance: a random teacher alone would favour some classes (often 2:1). So ``mu`` and
    ``sigma`` standardise each logit over a calibration sample of 32768 inputs, and the offsets
    ``b`` are then fitted on the same sample (200 damped steps of
    ``b += 0.5 * log(share / (1 / num_classes))``) until every class wins ≈ 1/num_classes of
    it (the counts get +1 smoothing). Over the whole input distribution each class then has a
    probability within about 5% (relative) of ``1 / num_classes``; a drawn split adds the usual
    multinomial noise, so at the defaults every class holds 800–1200 of the 10000 training
    examples (typically within ±10%).

    Determinism: everything follows from ``seed`` through independent NumPy streams
    (``default_rng([seed, i])``: 0 teacher, 1 calibration, 2 train inputs, 3 test inputs), so
    the teacher does not depend on ``n_train``/``n_test`` and a smaller draw's rows are the
    first rows of a larger one. The validation split is then ``val_fraction`` of the
    ``n_train`` drawn training rows, stratified by label and chosen with
    ``default_rng([seed, 4])`` (as :func:`~jaxscape.data.from_arrays` does); the rest train.

    Args:
      n_train: training examples drawn (validation included).
      n_test: test examples (0 for no test split).
      input_shape: shape of one input, e.g. ``(28, 28, 1)`` (MNIST) or ``(784,)``.
      num_classes: classes (>= 2).
      hidden: teacher hidden width.
      seed: non-negative seed.
      val_fraction: fraction of the training draw held out for validation, in ``[0, 1)``.

    Returns:
      A dataset named ``"teacher"``: float32 ``[n, *input_shape]`` inputs, int32 ``[n]`` labels.

    Example:
      >>> ds = teacher(n_train=100, n_test=20, input_shape=(4, 4, 1), num_classes=3)
      >>> ds.n_train, ds.n_val, ds.n_test, ds.input_shape, ds.num_classes
      (85, 15, 20, (4, 4, 1), 3)
    """
    n_train = check_positive_int("n_train", n_train)
    n_test = check_positive_int("n_test", n_test, allow_zero=True)
    num_classes = check_positive_int("num_classes", num_classes)
    if num_classes < 2:
        raise ValueError(f"num_classes must be >= 2, got {num_classes}")
    hidden = check_positive_int("hidden", hidden)
    seed = check_positive_int("seed", seed, allow_zero=True)
    check_range("val_fraction", val_fraction, low=0.0, high=1.0, high_open=True)
    if isinstance(input_shape, int | str) or not isinstance(input_shape, Sequence):
        raise TypeError(f"input_shape must be a tuple of ints, got {input_shape!r}")
    input_shape = tuple(check_positive_int("input_shape", d) for d in input_shape)
    if not input_shape:
        raise ValueError("input_shape must have at least one dimension, got ()")
    d = math.prod(input_shape)

    rng = np.random.default_rng([seed, 0])
    w1 = rng.standard_normal((d, hidden)) * math.sqrt(12.0 / d)
    w2 = rng.standard_normal((hidden, num_classes)) / math.sqrt(hidden)

    def raw_logits(x: np.ndarray) -> np.ndarray:
        flat = x.reshape(len(x), d)
        return np.concatenate(
            [np.tanh((flat[i : i + _ROWS] - 0.5) @ w1) @ w2 for i in range(0, len(flat), _ROWS)]
        )

    calib_rng = np.random.default_rng([seed, 1])
    calib = np.concatenate(
        [
            raw_logits(calib_rng.random((_ROWS, d), dtype=np.float32))
            for _ in range(CALIBRATION_SIZE // _ROWS)
        ]
    )
    mu, sigma = calib.mean(0), calib.std(0) + 1e-12
    z = (calib - mu) / sigma
    b = np.zeros(num_classes)
    target = CALIBRATION_SIZE / num_classes
    for _ in range(_BALANCE_ITERS):
        counts = np.bincount((z - b).argmax(1), minlength=num_classes)
        b += 0.5 * np.log((counts + 1.0) / (target + 1.0))

    def make(stream: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        x = _uniform([seed, stream], n, d).reshape(n, *input_shape)
        return x, (((raw_logits(x) - mu) / sigma) - b).argmax(1)

    x, y, x_val, y_val = hold_out(
        *make(2, n_train), val_fraction, [seed, 4], stratify=True, arg="val_fraction"
    )
    return Dataset(
        name="teacher",
        train=as_device_split(x, y, classification=True),
        test=as_device_split(*make(3, n_test), classification=True) if n_test else None,
        num_classes=num_classes,
        val=optional_split(x_val, y_val, classification=True),
    )


def _uniform(seed: list[int], n: int, d: int) -> np.ndarray:
    return np.random.default_rng(seed).random((n, d), dtype=np.float32)
