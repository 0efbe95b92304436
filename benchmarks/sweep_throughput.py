"""Population sweep throughput: ``js.sweep`` against hand-written JAX and torch variants.

Workload (issue 3 / PERFORMANCE.md): an MLP 784-128-10 on synthetic MNIST-shaped data, N learning
rates x S steps, batch 128, SGD with momentum 0.9, every trial on the same mini-batches. Every
variant is timed in this one run, compile time apart from run time:

- ``js.sweep``: the engine, recording train metrics every ``--eval-every`` steps (and, in its
  second row, an exact held-out evaluation at each record);
- hand vmap: ``jax.vmap`` of a single-model step inside ``lax.scan``, written by hand;
- hand einsum: the same population written as batched einsums over a leading trial axis;
- JAX loop: a Python loop over trials of one jitted single run (one compilation, N calls);
- torch eager loop and ``torch.func`` vmap ensemble (when torch is installed).

Defaults follow the device: 256 x 500 on an accelerator, 64 x 100 on a CPU (the CPU reference
figures). ``--chunks`` also times ``js.sweep`` at several trial-chunk sizes (the CPU strategy).

Run: ``python benchmarks/sweep_throughput.py [--trials N --steps S --repeats R --chunks 1,4,16]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import environment, format_table, load_average

import jaxscape as js
from jaxscape.data import Dataset, batch_indices

MOMENTUM = 0.9
HIDDEN = 128


def parse_args() -> argparse.Namespace:
    accel = jax.default_backend() != "cpu"
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--trials", type=int, default=256 if accel else 64)
    p.add_argument("--steps", type=int, default=500 if accel else 100)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--eval-every", type=int, default=50)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--chunks", default="", help="comma-separated js.sweep chunk sizes to try")
    p.add_argument("--no-torch", action="store_true")
    return p.parse_args()


def mlp_init(key):
    """Same initial weights for every variant (flax's lecun-normal kernels, zero biases)."""
    k1, k2 = jax.random.split(key)
    return {
        "w1": jax.random.normal(k1, (784, HIDDEN)) / np.sqrt(784),
        "b1": jnp.zeros(HIDDEN),
        "w2": jax.random.normal(k2, (HIDDEN, 10)) / np.sqrt(HIDDEN),
        "b2": jnp.zeros(10),
    }


def mlp_loss(p, x, y):
    h = jax.nn.relu(x @ p["w1"] + p["b1"])
    logits = h @ p["w2"] + p["b2"]
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], 1))


def sgd_momentum(p, m, g, lr, first):
    """torch SGD: buf = g on the first step, else mu*buf + g; p -= lr*buf."""
    m = jax.tree.map(lambda mm, gg: jnp.where(first, gg, MOMENTUM * mm + gg), m, g)
    p = jax.tree.map(lambda pp, mm: pp - lr * mm, p, m)
    return p, m


def hand_vmap(x, y, idx, lrs, p0):
    def single(p, m, lr, xb, yb, first):
        loss, g = jax.value_and_grad(mlp_loss)(p, xb, yb)
        p, m = sgd_momentum(p, m, g, lr, first)
        return p, m, loss

    def run(lrs, idx, x, y):
        n = lrs.shape[0]
        p = jax.tree.map(lambda a: jnp.broadcast_to(a, (n, *a.shape)), p0)
        m = jax.tree.map(jnp.zeros_like, p)

        def step(carry, inp):
            p, m = carry
            t, ib = inp
            xb, yb = x[ib], y[ib]
            p, m, loss = jax.vmap(single, in_axes=(0, 0, 0, None, None, None))(
                p, m, lrs, xb, yb, t == 0
            )
            return (p, m), loss

        (p, m), losses = jax.lax.scan(step, (p, m), (jnp.arange(idx.shape[0]), idx))
        return p, losses

    return jax.jit(run), (lrs, idx, x, y)


def hand_einsum(x, y, idx, lrs, p0):
    def pop_loss(p, xb, yb):
        h = jax.nn.relu(jnp.einsum("bi,nih->nbh", xb, p["w1"]) + p["b1"][:, None])
        logits = jnp.einsum("nbh,nho->nbo", h, p["w2"]) + p["b2"][:, None]
        logp = jax.nn.log_softmax(logits)
        per_trial = -jnp.mean(jnp.take_along_axis(logp, yb[None, :, None], 2)[..., 0], axis=1)
        return jnp.sum(per_trial), per_trial  # trials are independent: grad of sum = per-trial

    def run(lrs, idx, x, y):
        n = lrs.shape[0]
        p = jax.tree.map(lambda a: jnp.broadcast_to(a, (n, *a.shape)), p0)
        m = jax.tree.map(jnp.zeros_like, p)

        def step(carry, inp):
            p, m = carry
            t, ib = inp
            (_, losses), g = jax.value_and_grad(pop_loss, has_aux=True)(p, x[ib], y[ib])
            m = jax.tree.map(lambda mm, gg: jnp.where(t == 0, gg, MOMENTUM * mm + gg), m, g)
            p = jax.tree.map(lambda pp, mm: pp - lrs.reshape(-1, *[1] * (pp.ndim - 1)) * mm, p, m)
            return (p, m), losses

        (p, m), losses = jax.lax.scan(step, (p, m), (jnp.arange(idx.shape[0]), idx))
        return p, losses

    return jax.jit(run), (lrs, idx, x, y)


def jax_loop(x, y, idx, lrs, p0):
    def single_run(lr, idx, x, y):
        m0 = jax.tree.map(jnp.zeros_like, p0)

        def step(carry, inp):
            p, m = carry
            t, ib = inp
            loss, g = jax.value_and_grad(mlp_loss)(p, x[ib], y[ib])
            p, m = sgd_momentum(p, m, g, lr, t == 0)
            return (p, m), loss

        (p, _), losses = jax.lax.scan(step, (p0, m0), (jnp.arange(idx.shape[0]), idx))
        return p, losses

    fn = jax.jit(single_run)
    lowered = fn.lower(lrs[0], idx, x, y)

    def compile_once():
        return lowered.compile()

    return fn, compile_once


def torch_variants(x, y, idx, lrs, p0):
    import torch
    from torch.func import functional_call, grad, vmap

    torch.set_num_threads(max(1, torch.get_num_threads()))
    xt = torch.from_numpy(np.array(x))
    yt = torch.from_numpy(np.array(y)).long()
    it = torch.from_numpy(np.asarray(idx)).long()
    init = {k: torch.from_numpy(np.asarray(v)) for k, v in p0.items()}

    def make_model():
        model = torch.nn.Sequential(
            torch.nn.Linear(784, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10)
        )
        with torch.no_grad():
            model[0].weight.copy_(init["w1"].T)
            model[0].bias.copy_(init["b1"])
            model[2].weight.copy_(init["w2"].T)
            model[2].bias.copy_(init["b2"])
        return model

    def eager_loop():
        for lr in np.asarray(lrs):
            model = make_model()
            opt = torch.optim.SGD(model.parameters(), lr=float(lr), momentum=MOMENTUM)
            for ib in it:
                opt.zero_grad(set_to_none=True)
                loss = torch.nn.functional.cross_entropy(model(xt[ib]), yt[ib])
                loss.backward()
                opt.step()
        return loss.item()

    base = make_model()
    names = [n for n, _ in base.named_parameters()]
    lr_t = torch.from_numpy(np.asarray(lrs))

    def func_vmap():
        n = lr_t.shape[0]
        params = {k: v.detach().expand(n, *v.shape).clone() for k, v in base.named_parameters()}
        bufs = {k: torch.zeros_like(v) for k, v in params.items()}

        def loss_fn(p, xb, yb):
            return torch.nn.functional.cross_entropy(functional_call(base, p, (xb,)), yb)

        g_fn = vmap(grad(loss_fn), in_dims=(0, None, None))
        for t, ib in enumerate(it):
            g = g_fn(params, xt[ib], yt[ib])
            with torch.no_grad():
                for k in names:
                    bufs[k] = g[k] if t == 0 else bufs[k].mul_(MOMENTUM).add_(g[k])
                    shape = (n,) + (1,) * (params[k].ndim - 1)
                    params[k].sub_(lr_t.view(shape) * bufs[k])
        return float(params[names[0]].sum())

    return eager_loop, func_vmap


def run_seconds(fn) -> float:
    tic = time.perf_counter()
    jax.block_until_ready(fn())
    return time.perf_counter() - tic


def main() -> None:
    args = parse_args()
    n, steps, b = args.trials, args.steps, args.batch
    data = js.data.teacher(n_train=10_000, n_test=2_000)
    no_test = Dataset(data.name, data.train, None, data.num_classes)
    lrs = np.geomspace(1e-3, 1.0, n).astype(np.float32)
    idx = jnp.asarray(batch_indices(0, data.n_train, b, 0, steps))
    x, y = data.train.x.reshape(data.n_train, -1), data.train.y
    p0 = mlp_init(jax.random.key(0))
    env = environment()
    print(
        f"# sweep throughput — {env.get('device')}, jax {env.get('jax')}, torch "
        f"{env.get('torch', '—')}, {env.get('date')}, load {load_average()}"
    )
    print(
        f"# MLP 784-{HIDDEN}-10, {n} learning rates x {steps} steps, batch {b}, "
        f"SGD momentum {MOMENTUM}, shared batches; median of {args.repeats} repeats, "
        "variants interleaved repeat by repeat\n"
    )

    # Each variant: (label, compile seconds or None, callable returning run seconds).
    variants: list[tuple[str, float | None, object]] = []
    chunk_label: dict[str, str] = {}

    def add_sweep(label, dataset, chunk=None):
        prob = js.Problem.from_model(js.models.MLP(hidden=(HIDDEN,)), dataset)
        compile_s: list[float] = []

        def once():
            res = js.sweep(
                prob,
                js.optim.sgd,
                {"learning_rate": lrs, "momentum": MOMENTUM},
                steps=steps,
                batch_size=b,
                eval_every=args.eval_every,
                chunk_size=chunk,
                progress=False,
            )
            compile_s.append(res.info["compile_s"])
            chunk_label[label] = f"{label} (chunk {res.info['chunk_size']})"
            return res.info["run_s"]

        variants.append((label, compile_s, once))

    add_sweep("js.sweep, train metrics", no_test)
    add_sweep("js.sweep, train + held-out metrics", data)
    for c in [int(c) for c in args.chunks.split(",") if c.strip()]:
        add_sweep(f"js.sweep, train metrics, chunk_size={c}", no_test, chunk=c)

    for label, builder in (("hand vmap + scan", hand_vmap), ("hand batched einsum", hand_einsum)):
        fn, fargs = builder(x, y, idx, jnp.asarray(lrs), p0)
        tic = time.perf_counter()
        compiled = fn.lower(*fargs).compile()
        comp = time.perf_counter() - tic
        variants.append((label, comp, lambda c=compiled, a=fargs: run_seconds(lambda: c(*a))))

    fn, compile_once = jax_loop(x, y, idx, jnp.asarray(lrs), p0)
    tic = time.perf_counter()
    looped = compile_once()
    comp = time.perf_counter() - tic
    variants.append(
        (
            "Python loop of jitted single runs",
            comp,
            lambda: run_seconds(lambda: [looped(lr, idx, x, y) for lr in jnp.asarray(lrs)]),
        )
    )

    if not args.no_torch:
        try:
            eager, func = torch_variants(x, y, idx, lrs, p0)
        except ImportError:
            print("(torch not installed: torch rows skipped)")
        else:
            variants.append(("torch.func vmap ensemble", None, lambda: run_seconds(func)))
            variants.append(("torch eager loop", None, lambda: run_seconds(eager)))

    for _, _, fn in variants:  # warm-up (caches, allocator); js.sweep compiles on every call
        fn()
    samples: dict[str, list[float]] = {label: [] for label, _, _ in variants}
    for _ in range(args.repeats):
        for label, _, fn in variants:
            samples[label].append(fn())

    rows = []
    for label, comp, _ in variants:
        if isinstance(comp, list):
            comp = float(np.median(comp))
        run = float(np.median(samples[label]))
        rows.append(
            [chunk_label.get(label, label), comp, run, None if comp is None else comp + run]
        )
    best_hand = min(r[2] for r in rows if r[0].startswith(("hand", "Python loop")))
    table = [[*r, r[2] / best_hand] for r in rows]
    print(
        format_table(
            ["variant", "compile s", "run s", "compile + run s", "run / best hand JAX"], table
        )
    )


if __name__ == "__main__":
    main()
