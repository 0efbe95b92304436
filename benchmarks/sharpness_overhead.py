"""Training time with the sharpness metric recorded every 100 steps against without it.

The same population, run both ways side by side, repeat by repeat (interleaved, the order
alternating): an MLP 64-32-32-10 (ReLU, squared error on one-hot targets) on the first
``--examples`` digits, ``--trials`` learning rates, ``--steps`` steps recorded every
``--every`` steps. Two workloads:

* ``full batch``: gradient descent on all ``--examples`` rows (the edge-of-stability study's
  setting); the sharpness is of the loss over the same rows;
* ``mini-batch``: SGD with batches of ``--batch`` rows; the sharpness is of the loss over the
  first ``--subset`` rows.

Each measurement is ``iters`` Hessian-vector products (``first_iters`` for the first one),
warm-started from the last vector; a product costs about two gradients of its rows. The time
is the sweep's ``run_s`` (compilation excluded); ``ratio`` is the median with sharpness over
the median without, ``ratio of mins`` the same for the fastest repeats (the steadier one on a
shared machine).

Run: ``python benchmarks/sharpness_overhead.py [--steps 2000 --every 100 --repeats 3]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _timing
import numpy as np

import jaxscape as js
from jaxscape.study.edge_of_stability import eos_problem


def run_s(prob, rates, args, batch_size, sharpness) -> float:
    res = js.sweep(
        prob, js.optim.sgd, {"learning_rate": rates}, steps=args.steps, batch_size=batch_size,
        eval_every=args.every, sharpness=sharpness, progress=False,
    )  # fmt: skip
    return float(res.info["run_s"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=8)
    ap.add_argument("--examples", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--every", type=int, default=100)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--first-iters", type=int, default=20)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--subset", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    prob = eos_problem(args.examples)
    rates = np.geomspace(0.01, 0.1, args.trials).tolist()
    workloads = {
        "full batch": (None, args.examples),
        f"mini-batch {args.batch}": (args.batch, args.subset),
    }
    rows = []
    for name, (batch, subset) in workloads.items():
        sh = js.Sharpness(subset=subset, iters=args.iters, first_iters=args.first_iters)
        variants = {"without": None, f"sharpness (subset {subset})": sh}
        for v in variants.values():  # warm-up: page in data, allocator, caches
            run_s(prob, rates, args, batch, v)
        times = {k: [] for k in variants}
        for r in range(args.repeats):  # alternate which variant goes first
            for k, v in list(variants.items())[:: 1 if r % 2 == 0 else -1]:
                times[k].append(run_s(prob, rates, args, batch, v))
        base, fastest = statistics.median(times["without"]), min(times["without"])
        for k, ts in times.items():
            med, low = statistics.median(ts), min(ts)
            ratios = (round(med / base, 3), round(low / fastest, 3))
            rows.append((name, k, round(med, 3), round(low, 3), *ratios))
    env = _timing.environment()
    print(", ".join(f"{k}: {v}" for k, v in env.items()))
    print(
        f"{prob.name}, {prob.num_params} params, {args.trials} trials x {args.steps} steps, "
        f"sharpness every {args.every} steps ({args.first_iters} products first, then "
        f"{args.iters}); median of {args.repeats}\n"
    )
    headers = ("workload", "variant", "run s (median)", "run s (min)", "ratio", "ratio of mins")
    print(_timing.format_table(headers, rows))


if __name__ == "__main__":
    main()
