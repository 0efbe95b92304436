"""Edge of stability (Cohen et al., ICLR 2021): full-batch gradient descent at several rates on
the first digits, with the sharpness (top Hessian eigenvalue) recorded beside the loss.

Writes ``edge_of_stability.png`` (loss per rate on top; sharpness per rate below, with each
rate's ``2 / eta`` dashed in its colour) and prints, per rate, the peak sharpness and its mean
over the last half of training against ``2 / eta``.

Run from the repository root::

    python examples/edge_of_stability.py                    # writes into out/edge_of_stability
    python examples/edge_of_stability.py --out docs/images  # the gallery's picture
    python examples/edge_of_stability.py --quick            # 500 digits, 600 steps (CI)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from jaxscape.study import edge_of_stability
from jaxscape.study.edge_of_stability import QUICK, RATES


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out/edge_of_stability", help="output folder")
    ap.add_argument("--quick", action="store_true", help="500 digits, 600 steps")
    args = ap.parse_args()
    res = edge_of_stability(RATES, **(QUICK if args.quick else {}), progress=not args.quick)
    print(res.summary())
    res.plot(Path(args.out) / "edge_of_stability.png")
    print(f"wrote {Path(args.out) / 'edge_of_stability.png'}")


if __name__ == "__main__":
    main()
