"""Compaction: a population whose trials mostly died stops paying for them.

Workload: an MLP 64-128-10 on the embedded digits, SGD with momentum 0.9, batch 128,
``--trials`` trials of which three quarters die early — diverging (learning rates of 50, dead
within the first window) or pruned (ASHA, its first rung at a quarter of the run) — and the
rest train at calm rates for ``--steps`` steps. Each sweep is timed warm (every program compiled
by a first run) with compaction on (the default) and off (``compact=False``), interleaved,
best of ``--repeats``; the ratio is compacted / not compacted.

Run: ``python benchmarks/compaction.py [--trials 64 --steps 400 --repeats 3]``
"""

from __future__ import annotations

import argparse
import json
import time

import jax
import numpy as np

import jaxscape as js
from jaxscape.bench._timing import environment, format_table
from jaxscape.population.pruning import ASHA


def cases(n: int, steps: int) -> dict:
    calm = np.geomspace(0.003, 0.3, n // 4)
    dead = np.full(n - n // 4, 50.0)
    spread = np.geomspace(1e-4, 0.3, n)
    return {
        "75% diverge at once": ({"learning_rate": np.concatenate([calm, dead])}, None),
        "75% pruned at 1/4 (ASHA)": (
            {"learning_rate": spread},
            ASHA(metric="val_loss", min_steps=steps // 4, eta=4),
        ),
    }


def run(prob, table, prune, steps, compact):
    tic = time.perf_counter()
    res = js.sweep(
        prob, js.optim.sgd, {**table, "momentum": 0.9}, steps=steps, eval_every=steps // 20,
        batch_size=128, progress=False, prune=prune, compact=compact,
    )  # fmt: skip
    jax.block_until_ready(res.metrics)
    return time.perf_counter() - tic, res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--trials", type=int, default=64)
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    prob = js.Problem.from_model(js.models.MLP(hidden=(128,)), js.data.digits())
    rows = []
    for name, (table, prune) in cases(args.trials, args.steps).items():
        times = {True: [], False: []}
        for compact in (True, False):
            run(prob, table, prune, args.steps, compact)  # compile
        for _ in range(args.repeats):
            for compact in (True, False):
                seconds, res = run(prob, table, prune, args.steps, compact)
                times[compact].append(seconds)
        dead = int(res.diverged.sum() + (res.pruned_at >= 0).sum() if prune else res.diverged.sum())
        on, off = min(times[True]), min(times[False])
        row = {"workload": name, "dead": f"{dead}/{args.trials}", "compacted_s": on,
               "not_compacted_s": off, "ratio": on / off}  # fmt: skip
        rows.append(row)
        print(json.dumps(row))
    env = environment()
    load = env.get("load average")
    print(f"\n{env.get('date')} | {env.get('device')} | jax {jax.__version__} | load {load}")
    head = ["workload", "dead", "compacted_s", "not_compacted_s", "ratio"]
    print(format_table(head, [[r[h] for h in head] for r in rows]))


if __name__ == "__main__":
    main()
