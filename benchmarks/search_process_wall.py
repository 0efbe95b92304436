"""A random search, process wall to process wall: jaxscape against an Optuna loop of one jitted run.

Each variant runs in a fresh Python process (imports, compilation, training, Optuna's
bookkeeping: everything a user waits for), timed from the outside, ``--repeats`` times
alternately; the table gives the best of each and the ratio. Workload: 64 configurations
(learning rate log-uniform in [1e-3, 1], momentum uniform in [0.5, 0.99]) x 200 SGD steps of an
MLP 64-64-10 on the embedded digits, batch 64, each scored by its validation accuracy.

1. ``jaxscape.search.random_search`` in 4 batches of 16 (one compiled program for all four);
2. ``optuna`` ``study.optimize`` whose objective is one jitted JAX training run (compiled
   once, on the first trial; rate and momentum traced arguments), on the same data split.

No persistent compilation cache is used by either (``JAX_ENABLE_COMPILATION_CACHE=false``).
A third process only imports what both import (the floor under any variant's wall time).

Run: ``python benchmarks/search_process_wall.py [--repeats 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

JAXSCAPE = """
import jaxscape as js
from jaxscape.search import Space, log_uniform, random_search, uniform
prob = js.Problem.from_model(js.models.MLP(hidden=(64,)), js.data.digits())
space = Space({"learning_rate": log_uniform(1e-3, 1.0), "momentum": uniform(0.5, 0.99)})
training = js.Training(steps=200, batch_size=64, progress=False)
res = random_search(prob, space, training, budget=64, batch=16)
print("best", float(res.metrics["val_accuracy"][res.best_index()]))
"""

OPTUNA = """
import jax, jax.numpy as jnp, numpy as np, optax, optuna
import jaxscape as js
optuna.logging.set_verbosity(optuna.logging.WARNING)
data = js.data.digits()
x, y = jnp.asarray(data.train.x.reshape(len(data.train.x), -1)), jnp.asarray(data.train.y)
xv, yv = jnp.asarray(data.val.x.reshape(len(data.val.x), -1)), jnp.asarray(data.val.y)
order = jnp.asarray(js.data.batch_indices(0, x.shape[0], 64, 0, 200))

def init(key):
    k1, k2 = jax.random.split(key)
    return {"w1": jax.random.normal(k1, (64, 64)) / 8.0, "b1": jnp.zeros(64),
            "w2": jax.random.normal(k2, (64, 10)) / 8.0, "b2": jnp.zeros(10)}

def logits(p, xb):
    return jax.nn.relu(xb @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]

def loss(p, xb, yb):
    return optax.softmax_cross_entropy_with_integer_labels(logits(p, xb), yb).mean()

@jax.jit
def run(lr, momentum):
    tx = optax.sgd(lr, momentum)
    p = init(jax.random.key(0))
    def step(carry, idx):
        p, s = carry
        g = jax.grad(loss)(p, x[idx], y[idx])
        u, s = tx.update(g, s, p)
        return (optax.apply_updates(p, u), s), None
    (p, _), _ = jax.lax.scan(step, (p, tx.init(p)), order)
    return jnp.mean(jnp.argmax(logits(p, xv), -1) == yv)

def objective(trial):
    lr = trial.suggest_float("learning_rate", 1e-3, 1.0, log=True)
    momentum = trial.suggest_float("momentum", 0.5, 0.99)
    return float(run(lr, momentum))

study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
study.optimize(objective, n_trials=64)
print("best", study.best_value)
"""


#: What both variants pay before any work: starting Python and importing jax, jaxscape, optuna.
IMPORTS = """
import jax, optax, optuna
import jaxscape as js
print("imported")
"""


def wall(code: str) -> tuple[float, str]:
    env = dict(os.environ, JAX_PLATFORMS="cpu", JAX_ENABLE_COMPILATION_CACHE="false")
    tic = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return time.perf_counter() - tic, out.stdout.strip().splitlines()[-1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    variants = {"jaxscape random_search": JAXSCAPE, "optuna loop": OPTUNA, "imports": IMPORTS}
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeats):
        for name, code in variants.items():
            seconds, best = wall(code)
            times[name].append(seconds)
            print(json.dumps({"variant": name, "wall_s": seconds, "result": best}), flush=True)
    ours, peer = min(times["jaxscape random_search"]), min(times["optuna loop"])
    print(f"\nload {os.getloadavg()}")
    print("| variant | best wall s | vs Optuna loop |\n|---|---|---|")
    print(f"| jaxscape random_search (4 batches of 16) | {ours:.1f} | {ours / peer:.2f}x |")
    print(f"| Optuna loop of one jitted run | {peer:.1f} | 1.00x |")
    floor = min(times["imports"])
    print(f"| imports only (python, jax, optax, optuna, jaxscape) | {floor:.1f} | "
          f"{floor / peer:.2f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
