"""How much a trial's numbers depend on the trials computed beside it (issue 9, part 7).

Workload: an MLP 64-32-10 on the embedded digits, SGD with momentum 0.9, batch 128, ``--trials``
learning rates from 0.003 to ``--max-lr`` (log-spaced), ``--steps`` steps, every trial on the same
mini-batches from the same initial weights. The sweep is run several ways:

* ``chunk=8`` twice (the same cut): must be bitwise identical;
* ``chunk`` 1, 8 and 64 (each chunk is one vmap; chunks run one after another).

For each way against ``chunk=8`` it prints the largest difference of the final training loss,
of the recorded held-out loss (relative, over all records and trials) and of the final
parameters (relative to each tensor's largest value), and, per learning rate, how the loss
difference grows over the run: rounding differences of one ulp are amplified by the training
dynamics, most at learning rates near the edge of stability.

Run: ``python benchmarks/trial_independence.py [--trials 64 --steps 2000 --max-lr 3.0]``
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np

import jaxscape as js


def run(prob, lrs, steps, chunk):
    kw = dict(steps=steps, eval_every=max(1, steps // 20), batch_size=128, progress=False)
    return js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": lrs, "momentum": 0.9},
        chunk_size=chunk,
        keep_params=True,
        **kw,
    )


def rel(a, b):
    scale = np.maximum(np.abs(b), 1e-30)
    return np.where(np.isfinite(a) & np.isfinite(b), np.abs(a - b) / scale, 0.0)


def compare(name, res, ref, lrs):
    both = ~res.diverged & ~ref.diverged
    tr = rel(res.metrics["train_loss"], ref.metrics["train_loss"])[both]
    held = [k for k in ref.metrics if k.endswith("_loss") and not k.startswith("train")]
    te = rel(res.metrics[held[0]], ref.metrics[held[0]])[both] if held else np.zeros(1)
    par = 0.0
    for a, b in zip(jax.tree.leaves(res.params), jax.tree.leaves(ref.params), strict=True):
        a, b = a[both], b[both]
        scale = np.abs(b).reshape(b.shape[0], -1).max(1)
        d = np.abs(a - b).reshape(a.shape[0], -1).max(1) / np.maximum(scale, 1e-30)
        par = max(par, float(np.nanmax(d)) if d.size else 0.0)
    same_div = np.array_equal(res.diverged, ref.diverged)
    bitwise = all(
        np.array_equal(res.metrics[k], ref.metrics[k], equal_nan=True) for k in ref.metrics
    )
    acc = [k for k in ref.metrics if k.endswith("_accuracy") and not k.startswith("train")]
    acc_diff = np.nanmax(np.abs(res.metrics[acc[0]] - ref.metrics[acc[0]])) if acc else 0.0
    loss_abs = np.nanmax(np.abs(res.metrics["train_loss"] - ref.metrics["train_loss"]))
    print(
        f"{name:<22} bitwise={bitwise!s:<5} same_diverged={same_div!s:<5} "
        f"train_loss_abs_max={loss_abs:.2e} {acc[0] if acc else 'acc'}_abs_max={acc_diff:.4f} "
        f"train_loss_rel_max={tr.max():.2e} {held[0] if held else 'held'}_rel_max={te.max():.2e} "
        f"params_rel_max={par:.2e}"
    )
    return rel(res.metrics["train_loss"], ref.metrics["train_loss"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=64)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--max-lr", type=float, default=3.0)
    args = ap.parse_args()
    prob = js.Problem.from_model(js.models.MLP(hidden=(32,)), js.data.digits())
    lrs = np.geomspace(0.003, args.max_lr, args.trials)
    print(f"jax {jax.__version__} on {jax.default_backend()}; {args.trials} trials x {args.steps}")
    tic = time.perf_counter()
    ref = run(prob, lrs, args.steps, 8)
    print(f"reference chunk=8: {time.perf_counter() - tic:.1f}s; diverged {ref.diverged.sum()}")
    ways = {
        "chunk=8 again": dict(chunk=8),
        "chunk=1": dict(chunk=1),
        "chunk=64": dict(chunk=64),
    }
    growth = {}
    for name, kw in ways.items():
        res = run(prob, lrs, args.steps, kw["chunk"])
        assert res.info["chunk_size"] == kw["chunk"], res.info
        name = f"{name} (chunk {res.info['chunk_size']})"
        growth[name] = compare(name, res, ref, lrs)
    print("\nrelative train-loss difference vs chunk=8 per learning rate: largest over the run")
    print("and at 5 points of it (the way with the largest difference)")
    cols = np.linspace(0, len(ref.steps) - 1, 5).astype(int)
    worst = max(growth, key=lambda k: np.nanmax(growth[k]))
    g = growth[worst]
    head = " ".join(f"step {int(ref.steps[c]):>5}" for c in cols)
    print(f"{'lr':<8} {'max':>8} {head}  final train loss  first step > 1e-3")
    rows = sorted(set(range(0, len(lrs), max(1, len(lrs) // 32))) | {int(np.argmax(g.max(1)))})
    for i in rows:
        cells = " ".join(f"{g[i, c]:>10.1e}" for c in cols)
        final = ref.metrics["train_loss"][i, -1]
        over = np.flatnonzero(g[i] > 1e-3)
        first = int(ref.steps[over[0]]) if over.size else "-"
        print(f"{lrs[i]:<8.4f} {g[i].max():>8.1e} {cells}  {final:<16.4g}  {first}")
    print(f"(rows from: {worst})")
    for name, gr in growth.items():
        per_lr = gr.max(1)
        calm = lrs <= 1.0
        print(
            f"{name:<24} lr<=1: max {per_lr[calm].max():.1e}  "
            f"lr>1: max {per_lr[~calm].max() if (~calm).any() else 0:.1e}"
        )


if __name__ == "__main__":
    main()
