"""Where the recipe CNN's training time goes on XLA:CPU: seeds and single convolutions.

The warm recipe is bound by its CNN's trial-steps. Two tables, measured in one run:

1. ``js.sweep`` of the recipe's CNN (``js.models.CNN(width=0.25)``), ``--trials`` trials x 380
   SGD steps, one record, warm: every trial on seed 0 (one batch order: the vmapped convolution
   reads one shared batch) against one seed per trial (each trial reads its own batch, so the
   vmapped convolution is a grouped one, ``feature_group_count = trials``), as the recipe's
   seeded comparisons run;
2. single jitted NHWC convolutions with SAME padding, batch 64, on 8x8 inputs: the recipe CNN's
   first (1 -> 8 channels, 5x5) and second (8 -> 16 on 4x4) layers, their gradients, and the
   same first layer with 32 output channels (four times the work). The table gives each one's
   best time per call and its rate in GFLOP/s.

Run: ``python benchmarks/cnn_step_costs.py [--trials 10 --repeats 3]``
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np
from jax import lax

import jaxscape as js
from jaxscape.bench._timing import environment, format_table

STEPS = 380


def seeds_rows(trials: int, repeats: int) -> list[list]:
    prob = js.Problem.from_model(js.models.CNN(width=0.25), js.data.digits())
    tables = {
        "one seed (shared batches)": {"learning_rate": [0.1778] * trials},
        "one seed per trial (own batches)": {
            "learning_rate": [0.1778] * trials,
            "seed": list(range(trials)),
        },
    }

    def run(table: dict) -> None:
        js.sweep(
            prob, js.optim.sgd, table, steps=STEPS, batch_size=64, eval_every=STEPS,
            progress=False,
        )  # fmt: skip

    for table in tables.values():
        run(table)  # compiled first
    best = dict.fromkeys(tables, np.inf)
    for _ in range(repeats):  # interleaved
        for name, table in tables.items():
            tic = time.perf_counter()
            run(table)
            best[name] = min(best[name], time.perf_counter() - tic)
    base = best["one seed (shared batches)"]
    return [
        [name, s, 1000 * s / (STEPS * trials), s / base] for name, s in best.items()
    ]  # fmt: skip


def _conv(x: jax.Array, k: jax.Array) -> jax.Array:
    nhwc = ("NHWC", "HWIO", "NHWC")
    return lax.conv_general_dilated(x, k, (1, 1), "SAME", dimension_numbers=nhwc)


def _best_call(fn, args: tuple, calls: int = 200, rounds: int = 5) -> float:
    fn = jax.jit(fn)
    jax.block_until_ready(fn(*args))
    best = np.inf
    for _ in range(rounds):
        tic = time.perf_counter()
        for _ in range(calls):
            out = fn(*args)
        jax.block_until_ready(out)
        best = min(best, (time.perf_counter() - tic) / calls)
    return best


def conv_rows() -> list[list]:
    key = jax.random.key(0)

    def data(hw: int, ci: int, co: int) -> tuple:
        return (jax.random.normal(key, (64, hw, hw, ci)), jax.random.normal(key, (5, 5, ci, co)))

    def grad_k(x, k):
        return jax.grad(lambda k: _conv(x, k).sum())(k)

    def grad_x(x, k):
        return jax.grad(lambda x: _conv(x, k).sum())(x)

    cases = [
        ("layer 1 forward, 1 -> 8", _conv, data(8, 1, 8), (8, 1, 8)),
        ("layer 1 forward, 1 -> 32", _conv, data(8, 1, 32), (8, 1, 32)),
        ("layer 1 weight gradient, 1 -> 8", grad_k, data(8, 1, 8), (8, 1, 8)),
        ("layer 2 forward, 8 -> 16 on 4x4", _conv, data(4, 8, 16), (4, 8, 16)),
        ("layer 2 input gradient", grad_x, data(4, 8, 16), (4, 8, 16)),
        ("layer 2 weight gradient", grad_k, data(4, 8, 16), (4, 8, 16)),
    ]
    rows = []
    for name, fn, args, (hw, ci, co) in cases:
        s = _best_call(fn, args)
        flops = 2 * 64 * hw * hw * 25 * ci * co  # multiply-adds of the forward pass, x2
        rows.append([name, 1000 * s, flops / s / 1e9])
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--trials", type=int, default=10)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    env = environment()
    print(f"{env.get('date')} | {env.get('device')} | load {env.get('load average')}")
    head = ["population", "best s", "ms per trial-step", "vs shared"]
    print(format_table(head, seeds_rows(args.trials, args.repeats)))
    print()
    print(format_table(["convolution (batch 64, 5x5, SAME)", "best ms", "GFLOP/s"], conv_rows()))


if __name__ == "__main__":
    main()
