"""Seeded, stratified splits of row indices: train/test and train/validation (host NumPy)."""

from __future__ import annotations

import numpy as np


def n_test_rows(n: int, test_fraction: float) -> int:
    """Rows that go to the test split: ``n * test_fraction`` rounded half up, >= 1 if > 0."""
    if test_fraction <= 0.0:
        return 0
    return max(1, int(np.floor(n * test_fraction + 0.5)))


def split_indices(
    n: int, n_test: int, seed: int | list[int], labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted ``(train_rows, test_rows)`` of a seeded split of ``n`` rows with ``n_test`` test rows.

    Without ``labels`` the test rows are the first ``n_test`` of
    ``np.random.default_rng(seed).permutation(n)``. With ``labels`` (``[n]`` non-negative ints)
    the split is stratified: class ``c`` with ``n_c`` rows gets ``n_test * n_c / n`` test rows,
    rounded by the largest-remainder rule (ties to the smaller class index) so the counts add up
    to exactly ``n_test``; each class's test rows are the first of a permutation of its rows
    drawn, class by class in increasing order, from the same generator.
    """
    rng = np.random.default_rng(seed)
    if labels is None:
        test = rng.permutation(n)[:n_test]
    else:
        classes, counts = np.unique(labels, return_counts=True)
        quota = n_test * counts / n
        take = np.floor(quota).astype(np.int64)
        short = n_test - int(take.sum())
        order = np.lexsort((np.arange(classes.size), -(quota - take)))
        take[order[:short]] += 1
        test = np.concatenate(
            [
                rng.permutation(np.flatnonzero(labels == c))[:k]
                for c, k in zip(classes, take, strict=True)
            ]
        )
    mask = np.zeros(n, bool)
    mask[test] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def hold_out(
    x: np.ndarray,
    y: np.ndarray,
    fraction: float,
    seed: int | list[int],
    *,
    stratify: bool,
    arg: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """``(x_keep, y_keep, x_held, y_held)``: ``fraction`` of the rows held out by a seeded split.

    ``n_test_rows(n, fraction)`` rows are held out by :func:`split_indices` (stratified by the
    labels ``y`` when ``stratify``); ``fraction == 0`` holds out nothing (``x_held`` and
    ``y_held`` are ``None``). Rows keep their relative order. A split that would leave no row
    to keep is a ``ValueError`` naming ``arg`` (the caller's argument, e.g. ``"val_fraction"``).
    """
    if fraction <= 0.0:
        return x, y, None, None
    n = len(x)
    k = n_test_rows(n, float(fraction))
    if k >= n:
        raise ValueError(
            f"{arg}={fraction} holds out {k} of the {n} rows and leaves none for training; "
            f"pass a smaller {arg} (0 holds out nothing)"
        )
    keep, held = split_indices(n, k, seed, y if stratify else None)
    return x[keep], y[keep], x[held], y[held]
