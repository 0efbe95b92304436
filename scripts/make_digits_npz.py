"""Regenerate ``jaxscape/data/digits.npz`` from scikit-learn's bundled copy of the digits.

Maintenance script, run by hand; scikit-learn is *not* a runtime dependency of jaxscape::

    python scripts/make_digits_npz.py            # writes jaxscape/data/digits.npz
    python scripts/make_digits_npz.py --check    # verifies the committed file instead

The file holds, in scikit-learn's row order:

* ``images``: ``[1797, 8, 8]`` uint8 pixel counts in ``0..16``;
* ``labels``: ``[1797]`` uint8 digit classes ``0..9``;
* ``test_index``: ``[360]`` uint16 sorted row numbers of the fixed test split.

The test split takes 36 images of every class (360 in all, 20.0% of the 1797 rows; 1437 remain
for training). For class ``c = 0, 1, ..., 9`` in turn, the rows of class ``c`` (in scikit-learn's
order) are shuffled with ``rng.permutation`` of one ``numpy.random.default_rng(0)`` generator and
the first 36 go to the test split. The split is stored in the file, so it never depends on the
NumPy version that reads it; ``tests/data`` pins it by count and hash.

Data: "Optical Recognition of Handwritten Digits" by E. Alpaydin and C. Kaynak, UCI Machine
Learning Repository (https://doi.org/10.24432/C50P49), licensed CC BY 4.0, as bundled with
scikit-learn (BSD-3-Clause).
"""

from __future__ import annotations

import argparse
import io
import os
from pathlib import Path

import numpy as np

TEST_PER_CLASS = 36
SPLIT_SEED = 0
OUT = Path(__file__).resolve().parents[1] / "jaxscape" / "data" / "digits.npz"


def build() -> dict[str, np.ndarray]:
    """The arrays of ``digits.npz``, computed from ``sklearn.datasets.load_digits``."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    raw = np.asarray(bunch.images)
    images = raw.astype(np.uint8)
    if not np.array_equal(images, raw) or images.max() > 16:
        raise SystemExit("load_digits() returned pixels outside the integers 0..16")
    labels = np.asarray(bunch.target).astype(np.uint8)
    rng = np.random.default_rng(SPLIT_SEED)
    test = [rng.permutation(np.flatnonzero(labels == c))[:TEST_PER_CLASS] for c in range(10)]
    test_index = np.sort(np.concatenate(test)).astype(np.uint16)
    return {"images": images, "labels": labels, "test_index": test_index}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the existing file")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the .npz")
    args = parser.parse_args(argv)
    arrays = build()
    if args.check:
        with np.load(args.out, allow_pickle=False) as old:
            same = set(old.files) == set(arrays) and all(
                old[k].dtype == v.dtype and np.array_equal(old[k], v) for k, v in arrays.items()
            )
        print(f"{args.out}: {'up to date' if same else 'DIFFERS'}")
        return 0 if same else 1
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    # Written atomically (temporary file, then rename) without importing jaxscape.
    tmp = args.out.with_name(f".{args.out.name}.tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
