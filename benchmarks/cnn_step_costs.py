"""Where the recipe CNN's training time goes on XLA:CPU: seeds, convolutions and pooling.

The warm recipe is bound by its CNN's trial-steps. Four tables, measured in one run:

1. ``js.sweep`` of the recipe's CNN (``js.models.CNN(width=0.25)``), ``--trials`` trials x 380
   SGD steps, one record, at the population's own size, warm: every trial on seed 0 (one batch
   order: the vmapped convolution reads one shared batch) against one seed per trial (each
   trial reads its own batch, so the vmapped convolution is a grouped one,
   ``feature_group_count = trials``), as the recipe's seeded comparisons run; and the latter
   written by hand (a vmapped step of the same objective, dispatched once per step);
2. single jitted NHWC convolutions with SAME padding, batch 64, on 8x8 inputs: the recipe CNN's
   first (1 -> 8 channels, 5x5) and second (8 -> 16 on 4x4) layers, their gradients, and the
   same first layer with 32 output channels (four times the work). The table gives each one's
   best time per call and its rate in GFLOP/s;
3. a hand-written vmapped SGD step of the same architecture (no dropout), ``--trials`` trials on
   their own batches, dispatched once per step: XLA's convolution and ``reduce_window``
   max-pooling (what ``nnx.Conv`` and ``nnx.max_pool`` lower to) against XLA's convolution
   with the pooling of ``js.models.CNN`` (``max_pool_2x2``: elementwise, equal bit for bit),
   and against the convolution as 25 shifted slices and one matrix product with the pooling as
   a reshape and max (ties split that max's gradient). The largest difference of the weights
   after the steps is shown;
4. ``js.sweep`` of ``js.models.CNN(width=0.25)`` in three formulations, interleaved, warm: XLA's
   convolutions pooled by ``nnx.max_pool`` (the CNN before it changed), XLA's convolutions
   pooled by ``max_pool_2x2``, and its default on a CPU (``conv="auto"``: convolutions by
   patches, which the engine runs as one scan per window, since no convolution is left);
   on the recipe's rate range test (21 rates x 95 steps on one batch order) and a seeded
   comparison (``--trials`` seeds x 380 steps), with how far their validation losses are from
   the first formulation's.

Run: ``python benchmarks/cnn_step_costs.py [--trials 10 --repeats 3]``
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from jax import lax

import jaxscape as js
from jaxscape.bench._timing import environment, format_table
from jaxscape.models import cnn
from jaxscape.models._max_pool import max_pool_2x2
from jaxscape.models._patch_conv import conv_same_patches

STEPS = 380


def _hand_loop(prob: js.Problem, trials: int):
    """The same trials written by hand: a vmapped SGD step of the problem's objective, each
    trial on its own batches, jitted and dispatched once per step (as the engine does for a
    convolutional model on a CPU)."""
    x_all, y_all = jnp.asarray(prob.data.train.x), jnp.asarray(prob.data.train.y)
    keys = jax.random.split(jax.random.key(0), trials)
    params0, state0 = jax.vmap(prob.init)(keys)
    rng = np.random.default_rng(0)
    order = [jnp.asarray(i) for i in rng.integers(0, x_all.shape[0], (STEPS, trials, 64))]
    grad = jax.value_and_grad(prob.objective, has_aux=True)

    @jax.jit
    def step(params, state, idx):
        def one(p, s, i):
            (_, (s, _)), g = grad(p, s, (x_all[i], y_all[i]))
            return jax.tree.map(lambda a, b: a - 0.1778 * b, p, g), s

        return jax.vmap(one)(params, state, idx)

    def run() -> None:
        params, state = params0, state0
        for t in range(STEPS):
            params, state = step(params, state, order[t])
        jax.block_until_ready(params)

    return run


def seeds_rows(trials: int, repeats: int) -> list[list]:
    prob = js.Problem.from_model(js.models.CNN(width=0.25), js.data.digits())
    own = {"learning_rate": [0.1778] * trials, "seed": list(range(trials))}

    def sweep(table: dict):
        return lambda: js.sweep(
            prob, js.optim.sgd, table, steps=STEPS, batch_size=64, eval_every=STEPS,
            progress=False, pad=False,
        )  # fmt: skip

    runs = {
        "js.sweep, one seed (shared batches)": sweep({"learning_rate": [0.1778] * trials}),
        "js.sweep, one seed per trial (own batches)": sweep(own),
        "hand vmapped step per call (own batches)": _hand_loop(prob, trials),
    }
    for run in runs.values():
        run()  # compiled first
    best = dict.fromkeys(runs, np.inf)
    for _ in range(repeats):  # interleaved
        for name, run in runs.items():
            tic = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - tic)
    base = best["js.sweep, one seed (shared batches)"]
    return [[name, s, 1000 * s / (STEPS * trials), s / base] for name, s in best.items()]


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


def _pool_window(x: jax.Array) -> jax.Array:
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "SAME")


def _pool_reshape(x: jax.Array) -> jax.Array:
    b, h, w, c = x.shape
    return x.reshape(b, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def _hand_step(conv, pool, x_all, y_all):
    def loss(p, x, y):
        h = pool(jax.nn.relu(conv(x, p["c1"]) + p["b1"]))
        h = pool(jax.nn.relu(conv(h, p["c2"]) + p["b2"]))
        h = jax.nn.relu(h.reshape(h.shape[0], -1) @ p["d1"] + p["e1"])
        logp = jax.nn.log_softmax(h @ p["d2"] + p["e2"])
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], 1))

    def one(p, idx):
        g = jax.grad(loss)(p, x_all[idx], y_all[idx])
        return jax.tree.map(lambda a, b: a - 0.1 * b, p, g)

    return jax.jit(jax.vmap(one))


def formulation_rows(trials: int, steps: int = 60, repeats: int = 3) -> list[list]:
    data = js.data.digits()
    x_all, y_all = jnp.asarray(data.train.x), jnp.asarray(data.train.y)
    shapes = {"c1": (5, 5, 1, 8), "c2": (5, 5, 8, 16), "d1": (64, 256), "d2": (256, 10)}

    def init(key):
        keys = dict(zip(shapes, jax.random.split(key, 4), strict=True))
        p = {k: jax.random.normal(keys[k], s) * 0.1 for k, s in shapes.items()}
        return {**p, "b1": jnp.zeros(8), "b2": jnp.zeros(16), "e1": jnp.zeros(256),
                "e2": jnp.zeros(10)}  # fmt: skip

    p0 = jax.vmap(init)(jax.random.split(jax.random.key(0), trials))
    rng = np.random.default_rng(0)
    order = [jnp.asarray(i) for i in rng.integers(0, x_all.shape[0], (steps, trials, 64))]
    variants = {
        "XLA convolution, reduce_window pooling": (_conv, _pool_window),
        "XLA convolution, max_pool_2x2 (js.models.CNN's)": (_conv, max_pool_2x2),
        "shifted slices + matmul, reshape pooling": (conv_same_patches, _pool_reshape),
    }
    best, ends = {}, {}
    for name, (conv, pool) in variants.items():
        step = _hand_step(conv, pool, x_all, y_all)
        jax.block_until_ready(step(p0, order[0]))
        best[name] = np.inf
        for _ in range(repeats):
            p, tic = p0, time.perf_counter()
            for t in range(steps):
                p = step(p, order[t])
            jax.block_until_ready(p)
            best[name] = min(best[name], time.perf_counter() - tic)
        ends[name] = p
    base, ref = best["XLA convolution, reduce_window pooling"], ends[next(iter(ends))]
    rows = []
    for name, s in best.items():
        diff = max(
            float(jnp.max(jnp.abs(a - b)))
            for a, b in zip(jax.tree.leaves(ends[name]), jax.tree.leaves(ref), strict=True)
        )
        rows.append([name, 1000 * s / (steps * trials), s / base, diff])
    return rows


def _nnx_pool(x: jax.Array) -> jax.Array:
    return nnx.max_pool(x, window_shape=(2, 2), strides=(2, 2), padding="SAME")


def sweep_rows(trials: int, repeats: int) -> list[list]:
    """Table 4: the engine's ms per trial-step with each formulation (best of ``repeats`` warm
    runs after a first that compiles, interleaved), and how far the validation losses are from
    the first formulation's."""
    data, rows = js.data.digits(), []
    forms = {  # name: (CNN's conv, pooling read when its programs are traced)
        "XLA convolutions, nnx.max_pool": ("xla", _nnx_pool),
        "XLA convolutions, max_pool_2x2": ("xla", max_pool_2x2),
        "patches, max_pool_2x2 (conv='auto' on a CPU)": ("auto", max_pool_2x2),
    }
    rates = {"learning_rate": list(np.geomspace(1e-4, 10, 21))}
    seeded = {"learning_rate": [0.1] * trials, "seed": list(range(trials))}
    for name, table, steps in (("21 rates, one batch order", rates, 95),
                               (f"{trials} seeds, own batch orders", seeded, STEPS)):  # fmt: skip
        probs = {k: js.Problem.from_model(js.models.CNN(width=0.25, conv=c), data)
                 for k, (c, _) in forms.items()}  # fmt: skip
        best, losses = dict.fromkeys(forms, np.inf), {}
        kw = dict(steps=steps, batch_size=64, eval_every=steps, progress=False)
        for r in range(repeats + 1):
            for k, prob in probs.items():
                cnn.max_pool_2x2 = forms[k][1]  # the module reads it when it is traced
                out = js.sweep(prob, js.optim.sgd, table, **kw)
                losses[k] = out.metrics["val_loss"]
                best[k] = min(best[k], out.info["run_s"]) if r else best[k]
        cnn.max_pool_2x2 = max_pool_2x2
        n, first = len(next(iter(table.values()))) * steps, next(iter(forms))
        for k in forms:
            same = np.array_equal(losses[k], losses[first], equal_nan=True)
            diff = float(np.nanmax(np.abs(losses[k] - losses[first])))
            rows.append([name, k, 1000 * best[k] / n, best[k] / best[first],
                         "yes" if same else f"no ({diff:.2g})"])  # fmt: skip
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
    print()
    head = ["hand vmapped step, own batches", "ms per trial-step", "vs XLA's", "max |dw|"]
    print(format_table(head, formulation_rows(args.trials)))
    print()
    head = ["js.sweep of the CNN", "formulation", "ms per trial-step", "vs first",
            "val_loss bit for bit (max diff)"]  # fmt: skip
    print(format_table(head, sweep_rows(args.trials, args.repeats)))


if __name__ == "__main__":
    main()
