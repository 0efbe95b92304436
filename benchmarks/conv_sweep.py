"""Convolutional models: ``js.sweep`` against the loops a user would write, measured in one run.

On XLA:CPU a convolution's gradients run many times slower inside a loop than dispatched once
per step (``shared/anchors/conv_grad_in_loop.py``), so the engine advances conv models one step
per compiled call on a CPU (:mod:`jaxscape.population.dispatch`). Rows, each timed warm (every
program compiled first) and cold (the first call, compile included):

1. the CNN of flax's NNX MNIST tutorial (first ``Linear`` resized for the 8x8 digits), 8 trials
   x 200 steps of ``optax.adamw`` (batch 64): ``js.sweep`` (auto: one step per call on a CPU)
   recording 20 times (its default: exact validation and test metrics at each) and once (the
   loop records nothing), ``js.sweep`` forced to one scan per window
   (``JAXSCAPE_STEPS_PER_CALL=window``), and the tutorial's own ``nnx.jit`` training loop run
   for each of the 8 trials in turn;
2. the recipe's CNN (``js.models.CNN(width=0.25)``, on a CPU its convolutions by patches, so
   the engine scans), 16 rates x 200 steps of SGD: ``js.sweep`` (20 records and 1) against a
   hand-written vmapped step jitted and dispatched once per step; and the same network with
   XLA's convolutions (``conv="xla"``, one step per call) swept and stepped by hand;
3. a 201-point ``js.landscape.line`` on the tutorial CNN against a Python loop of one jitted
   evaluation per point (training and test splits).

Run: ``python benchmarks/conv_sweep.py [--repeats R]``
"""

from __future__ import annotations

import argparse
import json
import os
import time
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

import jaxscape as js
from jaxscape.bench._timing import format_table, load_average

STEPS, B, N = 200, 64, 8


class TutorialCNN(nnx.Module):
    """flax's NNX MNIST tutorial CNN, first Linear 3136 -> 256 inputs for 8x8 digits."""

    def __init__(self, *, rngs: nnx.Rngs):
        self.conv1 = nnx.Conv(1, 32, kernel_size=(3, 3), rngs=rngs)
        self.conv2 = nnx.Conv(32, 64, kernel_size=(3, 3), rngs=rngs)
        self.avg_pool = partial(nnx.avg_pool, window_shape=(2, 2), strides=(2, 2))
        self.linear1 = nnx.Linear(256, 256, rngs=rngs)
        self.linear2 = nnx.Linear(256, 10, rngs=rngs)

    def __call__(self, x):
        x = self.avg_pool(nnx.relu(self.conv1(x)))
        x = self.avg_pool(nnx.relu(self.conv2(x)))
        x = nnx.relu(self.linear1(x.reshape(x.shape[0], -1)))
        return self.linear2(x)


def timed(fn) -> float:
    tic = time.perf_counter()
    jax.block_until_ready(fn())
    return time.perf_counter() - tic


def sweep_runs(prob, opt, table, steps, mode, records=20):
    def go():
        os.environ["JAXSCAPE_STEPS_PER_CALL"] = mode
        try:
            return js.sweep(
                prob, opt, table, steps=steps, batch_size=B, eval_every=steps // records,
                progress=False,
            )  # fmt: skip
        finally:
            os.environ.pop("JAXSCAPE_STEPS_PER_CALL", None)

    return go


def tutorial_loop(data, lrs):
    """The tutorial's loop (``nnx.Optimizer``, ``nnx.jit`` train step), one run per rate."""

    def loss_fn(model, x, y):
        logits = model(x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    @nnx.jit
    def train_step(model, optimizer, x, y):
        grads = nnx.grad(loss_fn)(model, x, y)
        optimizer.update(model, grads)

    x_all, y_all = np.asarray(data.train.x), np.asarray(data.train.y)
    order = js.data.batch_indices(0, x_all.shape[0], B, 0, STEPS)

    def go():
        out = []
        for lr in lrs:
            model = TutorialCNN(rngs=nnx.Rngs(0))
            optimizer = nnx.Optimizer(model, optax.adamw(float(lr), 0.9), wrt=nnx.Param)
            for t in range(STEPS):
                train_step(model, optimizer, x_all[order[t]], y_all[order[t]])
            out.append(model.linear2.kernel[...])
        return out

    return go


def per_step_dispatch(prob, lrs, steps):
    """A hand-written vmapped SGD step of the population, jitted, dispatched once per step."""
    params0, state0 = prob.init(jax.random.key(0))
    x_all, y_all = prob.data.train.x, prob.data.train.y
    order = js.data.batch_indices(0, x_all.shape[0], B, 0, steps)

    @jax.jit
    def step(params, lr, idx):
        def one(p, lr):
            g = jax.grad(lambda q: prob.objective(q, state0, (x_all[idx], y_all[idx]))[0])(p)
            return jax.tree.map(lambda a, b: a - lr * b, p, g)

        return jax.vmap(one)(params, lr)

    lr = jnp.asarray(lrs, jnp.float32)

    def go():
        params = jax.tree.map(lambda a: jnp.broadcast_to(a, (len(lrs), *a.shape)), params0)
        for t in range(steps):
            params = step(params, lr, order[t])
        return params

    return go


def line_loop(prob, direction_seed=0, points=201):
    """One jitted evaluation per point of the line through the initial weights."""
    params, state = prob.init(jax.random.key(0))
    d = js.landscape.random_direction(params, jax.random.key(direction_seed))
    splits = [(s.x, s.y) for s in (prob.data.train, prob.data.test)]
    alphas = np.linspace(-1, 1, points)

    @jax.jit
    def at(alpha, x, y):
        p = jax.tree.map(lambda a, b: a + alpha * b, params, d.params)
        return js.evaluation.evaluate_split(prob, p, state, x, y, 1024)

    def go():
        return [[at(a, x, y) for x, y in splits] for a in alphas]

    return go


def line_sweep(prob, points=201):
    params, _ = prob.init(jax.random.key(0))
    d = js.landscape.random_direction(params, jax.random.key(0))
    alphas = np.linspace(-1, 1, points)
    splits = ("train", "test")
    return lambda: js.landscape.line(prob, params, d, alphas, splits=splits, progress=False)


def rows(repeats: int) -> list[dict]:
    data = js.data.digits()
    tut = js.Problem.from_model(lambda rngs: TutorialCNN(rngs=rngs), data)
    lrs = np.logspace(-4, -1.7, N)
    adamw = js.optim.adamw if hasattr(js.optim, "adamw") else optax.adamw
    table = {"learning_rate": lrs}
    recipe = js.Problem.from_model(js.models.CNN(width=0.25), data)
    recipe_xla = js.Problem.from_model(js.models.CNN(width=0.25, conv="xla"), data)
    rates = np.logspace(-3, 0, 16)
    sgd_table = {"learning_rate": rates}
    cases = [
        ("tutorial CNN 8x200", "js.sweep (auto, 20 records)", sweep_runs(tut, adamw, table, STEPS, "auto")),  # noqa: E501
        ("tutorial CNN 8x200", "js.sweep (auto, 1 record)", sweep_runs(tut, adamw, table, STEPS, "auto", 1)),  # noqa: E501
        ("tutorial CNN 8x200", "js.sweep (scan, 20 records)", sweep_runs(tut, adamw, table, STEPS, "window")),  # noqa: E501
        ("tutorial CNN 8x200", "tutorial nnx.jit loop x8", tutorial_loop(data, lrs)),
        ("recipe CNN 16x200", "js.sweep (auto, 20 records)", sweep_runs(recipe, js.optim.sgd, sgd_table, STEPS, "auto")),  # noqa: E501
        ("recipe CNN 16x200", "js.sweep (auto, 1 record)", sweep_runs(recipe, js.optim.sgd, sgd_table, STEPS, "auto", 1)),  # noqa: E501
        ("recipe CNN 16x200", "js.sweep, conv='xla' (auto, 20 records)", sweep_runs(recipe_xla, js.optim.sgd, sgd_table, STEPS, "auto")),  # noqa: E501
        ("recipe CNN 16x200", "hand vmap per step, conv='xla'", per_step_dispatch(recipe_xla, rates, STEPS)),  # noqa: E501
        ("recipe CNN 16x200", "hand vmap, per step", per_step_dispatch(recipe, rates, STEPS)),
        ("line 201 pts", "js.landscape.line", line_sweep(tut)),
        ("line 201 pts", "loop of jitted points", line_loop(tut)),
    ]  # fmt: skip
    cold = [timed(fn) for _, _, fn in cases]  # every program compiled first, then interleaved
    warm = [[] for _ in cases]
    for _ in range(repeats):
        for i, (_, _, fn) in enumerate(cases):
            warm[i].append(timed(fn))
    out = [
        {"workload": w, "variant": v, "cold_s": c, "warm_s": min(t)}
        for (w, v, _), c, t in zip(cases, cold, warm, strict=True)
    ]
    for r in out:
        ref = [q for q in out if q["workload"] == r["workload"]][-1]
        r["vs_peer_warm"] = r["warm_s"] / ref["warm_s"]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()
    out = rows(args.repeats)
    for r in out:
        print(json.dumps(r))
    print(f"\nbackend {jax.default_backend()}, jax {jax.__version__}, load {load_average()}")
    head = ["workload", "variant", "cold_s", "warm_s", "vs_peer_warm"]
    print(format_table(head, [[r[h] for h in head] for r in out]))


if __name__ == "__main__":
    main()
