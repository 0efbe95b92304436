"""Batch size as a hyperparameter: a learning rate x batch size grid in one population, read
after equal epochs and after equal steps, with the linear scaling rule (lr proportional to b).

Every trial carries its batch size as a column of the table; the population reads batches of
the largest size and masks each trial's to its own rows (the loss is the masked mean), so a
trial is the run it would be with that batch size alone. Writes ``batch_size.png`` (two heat
maps of validation accuracy, the best rate per batch size, the linear rule dashed through the
smallest batch's best rate) and prints the best rates per batch size
(``jaxscape study batch-size`` also saves the result).

Run from the repository root::

    python examples/batch_size.py                    # writes into out/batch_size
    python examples/batch_size.py --out docs/images  # the gallery's picture
    python examples/batch_size.py --quick            # 2 batch sizes x 3 rates (CI)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import jaxscape as js
from jaxscape.study import batch_size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out/batch_size")
    ap.add_argument("--quick", action="store_true", help="2 batch sizes x 3 rates, 1/4 epoch")
    args = ap.parse_args(argv)
    out = Path(args.out)
    kw = {"epochs": 8.0, "seeds": (0, 1)}
    if args.quick:
        kw = {"batch_sizes": (8, 32), "learning_rates": (0.05, 0.2, 0.8), "epochs": 0.25}
    tic = time.perf_counter()
    res = batch_size(js.data.digits(), model=js.models.MLP(hidden=(64,)), **kw)
    print(res.summary())
    print(f"{time.perf_counter() - tic:.1f} s (compile {res.info['compile_s']:.1f} s)")
    res.plot(out / "batch_size.png")
    print(f"wrote {out}/batch_size.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
