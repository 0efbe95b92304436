"""The dataset type every layer consumes: train/val/test splits held on the device as arrays."""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp


@dataclass(frozen=True)
class Split:
    """One split of a dataset, on the device.

    Attributes:
      x: ``[n, *input_shape]`` float32 inputs (images are NHWC: ``[n, H, W, C]``).
      y: ``[n]`` int32 class labels, or ``[n]`` / ``[n, k]`` float32 regression targets.
    """

    x: jax.Array
    y: jax.Array

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True)
class Dataset:
    """A supervised dataset with fixed train/validation/test splits, held on the device.

    Batches are taken inside compiled loops by gathering rows ``x[idx]``; nothing is streamed
    from the host while training. The three splits are disjoint: the optimizer trains on
    ``train``; :mod:`jaxscape.tune` chooses hyperparameters on ``val``; ``test`` is for the
    final, unbiased report of the chosen configuration only.

    Attributes:
      name: short human-readable name (used in reports and plots).
      train: the training split.
      test: the held-out test split, or ``None``.
      num_classes: number of classes for classification, ``None`` for regression.
      val: the validation split (carved from the training data by the loaders'
        ``val_fraction``), or ``None``.

    Example:
      >>> import numpy as np
      >>> from jaxscape.data import from_arrays
      >>> ds = from_arrays(np.zeros((20, 3)), np.arange(20) % 2, test_fraction=0.2)
      >>> ds.n_train, ds.n_val, ds.n_test, ds.input_shape, ds.num_classes
      (14, 2, 4, (3,), 2)
    """

    name: str
    train: Split
    test: Split | None
    num_classes: int | None
    val: Split | None = None

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one input example, e.g. ``(8, 8, 1)`` for digits."""
        return tuple(int(d) for d in self.train.x.shape[1:])

    @property
    def target_shape(self) -> tuple[int, ...]:
        """Shape of one target: ``()`` for labels and scalar targets, ``(k,)`` for vectors."""
        return tuple(int(d) for d in self.train.y.shape[1:])

    @property
    def is_classification(self) -> bool:
        return self.num_classes is not None

    @property
    def n_train(self) -> int:
        return len(self.train)

    @property
    def n_test(self) -> int:
        return 0 if self.test is None else len(self.test)

    @property
    def n_val(self) -> int:
        return 0 if self.val is None else len(self.val)

    def steps_per_epoch(self, batch_size: int | None) -> int:
        """Optimizer steps in one pass over the training split (remainder dropped).

        ``batch_size=None`` (or one at least the split's size) means full-batch: one step.
        """
        if batch_size is None or batch_size >= self.n_train:
            return 1
        return self.n_train // batch_size

    def __repr__(self) -> str:
        kind = f"{self.num_classes} classes" if self.is_classification else "regression"
        return (
            f"Dataset({self.name!r}, train={self.n_train}, val={self.n_val}, "
            f"test={self.n_test}, "
            f"input_shape={self.input_shape}, {kind})"
        )


def as_device_split(x, y, *, classification: bool) -> Split:
    """Build a :class:`Split` on the default device with jaxscape's dtypes."""
    x = jnp.asarray(x, dtype=jnp.float32)
    y = jnp.asarray(y, dtype=jnp.int32 if classification else jnp.float32)
    return Split(x=x, y=y)


def optional_split(x, y, *, classification: bool) -> Split | None:
    """:func:`as_device_split`, or ``None`` when ``x`` is ``None`` (a split that is absent)."""
    return None if x is None else as_device_split(x, y, classification=classification)
