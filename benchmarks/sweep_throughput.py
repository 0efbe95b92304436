"""Population sweep throughput: ``js.sweep`` against a loop of single runs, hand-written JAX
and torch.

Workload (issue 3 / PERFORMANCE.md): an MLP 784-128-10 on synthetic MNIST-shaped data, N learning
rates x S steps, batch 128, SGD with momentum 0.9, every trial on the same mini-batches.

1. :func:`jaxscape.bench.population_scaling` (the code of ``jaxscape bench population``):
   ``js.sweep`` and a Python loop of one jitted single run (compiled once, N calls) at
   N = 1, 2, 4, ... up to ``--trials``: trial-steps/s, compile time, memory per trial.
2. Peers at N = ``--trials``, timed with :func:`jaxscape.bench.measure_interleaved` (compiled
   first, run interleaved repeat by repeat): ``jax.vmap`` of a single-model step inside
   ``lax.scan`` written by hand, the same population as batched einsums, and (when torch is
   installed) a ``torch.func`` vmap ensemble and a torch eager loop.
3. Compile time of ``js.sweep`` at N = ``--trials`` in two fresh processes sharing an empty
   persistent compilation cache (:mod:`jaxscape._compile_cache`, what the ``jaxscape`` command
   uses): cold (every program compiled) and warm (every program read back), each split by
   program (initialisation, ``advance``) into tracing, lowering and XLA compilation, as JAX's
   own monitoring events time them; beside them the hand-written ``vmap`` + ``scan`` compiled
   the same way, in a fresh process of its own (part 2 compiles it in a process that has
   compiled other programs before, which is faster), alone and with its initialisation
   (``jax.jit(mlp_init)``) as a user would write it: the cold compile and the cold call
   (compile + run) ratios are taken against those.

Defaults follow the device: 256 x 500 on an accelerator, 64 x 100 on a CPU.

Run: ``python benchmarks/sweep_throughput.py [--trials N --steps S --repeats R --no-torch]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxscape as js
from jaxscape.bench import measure_interleaved, population_scaling
from jaxscape.bench._timing import format_table, load_average
from jaxscape.data import batch_indices

MOMENTUM = 0.9
HIDDEN = 128


def parse_args() -> argparse.Namespace:
    accel = jax.default_backend() != "cpu"
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--trials", type=int, default=256 if accel else 64)
    p.add_argument("--steps", type=int, default=500 if accel else 100)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--out", type=Path, default=Path("out/bench"))
    p.add_argument("--no-cache-probe", action="store_true", help="skip part 3")
    p.add_argument("--compile-probe", type=Path, default=None, help=argparse.SUPPRESS)
    p.add_argument("--hand-probe", action="store_true", help=argparse.SUPPRESS)
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


def peers(x, y, idx, lrs, p0, with_torch: bool) -> tuple[dict, dict]:
    """Compile seconds and zero-argument runs of the hand-written and torch variants."""
    compile_s, runs = {}, {}
    for label, builder in (("hand vmap + scan", hand_vmap), ("hand batched einsum", hand_einsum)):
        fn, fargs = builder(x, y, idx, jnp.asarray(lrs), p0)
        tic = time.perf_counter()
        compiled = fn.lower(*fargs).compile()
        compile_s[label] = time.perf_counter() - tic
        runs[label] = lambda c=compiled, a=fargs: c(*a)
    if with_torch:
        try:
            eager, func = torch_variants(x, y, idx, lrs, p0)
        except ImportError:
            print("(torch not installed: torch rows skipped)")
        else:
            runs["torch.func vmap ensemble"], runs["torch eager loop"] = func, eager
    return compile_s, runs


#: JAX's monitoring events of one compilation, and the column each is shown in.
STAGES = {
    "/jax/core/compile/jaxpr_trace_duration": "trace",
    "/jax/core/compile/jaxpr_to_mlir_module_duration": "lower",
    "/jax/core/compile/backend_compile_duration": "XLA compile or cache read",
}


def problem(n: int) -> tuple[js.Problem, np.ndarray]:
    data = js.data.teacher(n_train=10_000, n_test=2_000)
    prob = js.Problem.from_model(js.models.MLP(hidden=(HIDDEN,)), data)
    return prob, np.geomspace(1e-3, 1.0, n).astype(np.float32)


def compile_probe(args: argparse.Namespace) -> None:
    """One ``js.sweep`` (as part 1 times it) with the persistent cache in ``--compile-probe``;
    prints its compile seconds and the seconds of each stage of each program as JSON."""
    from jax import monitoring

    from jaxscape._compile_cache import compile_cache
    from jaxscape.bench.population_scaling import _train_only

    stages: dict[str, float] = defaultdict(float)

    def listen(event: str, seconds: float, **kw) -> None:
        if event in STAGES:
            stages[f"{kw.get('fun_name', '?')}: {STAGES[event]}"] += seconds

    prob, lrs = problem(args.trials)
    table = {"learning_rate": lrs, "momentum": MOMENTUM}
    with compile_cache(args.compile_probe):
        monitoring.register_event_duration_secs_listener(listen)
        cpu = time.process_time()
        res = js.sweep(_train_only(prob), js.optim.sgd, table, steps=args.steps,
                       batch_size=args.batch, eval_every=args.steps, progress=False)  # fmt: skip
        cpu = time.process_time() - cpu
    info = {"compile_s": res.info["compile_s"], "run_s": res.info["run_s"], "cpu_s": cpu}
    print("PROBE " + json.dumps({**info, "stages": stages}))


def hand_probe(args: argparse.Namespace) -> None:
    """The hand-written ``vmap`` + ``scan`` in this (fresh) process: seconds to compile its
    initialisation (``jax.jit(mlp_init)``) and its training program, and to run the latter
    once; printed as JSON."""
    prob, lrs = problem(args.trials)
    data = prob.data
    idx = jnp.asarray(batch_indices(0, data.n_train, args.batch, 0, args.steps))
    x, y = data.train.x.reshape(data.n_train, -1), data.train.y
    key = jax.random.key(0)
    tic = time.perf_counter()
    init = jax.jit(mlp_init).lower(key).compile()
    init_s = time.perf_counter() - tic
    fn, fargs = hand_vmap(x, y, idx, jnp.asarray(lrs), jax.block_until_ready(init(key)))
    tic = time.perf_counter()
    exe = fn.lower(*fargs).compile()
    compile_s = time.perf_counter() - tic
    tic = time.perf_counter()
    jax.block_until_ready(exe(*fargs))
    run_s = time.perf_counter() - tic
    print("HAND " + json.dumps({"init_s": init_s, "compile_s": compile_s, "run_s": run_s}))


def _in_new_process(args: argparse.Namespace, flags: list[str], prefix: str) -> dict:
    """This script run with ``flags`` (and the workload's sizes) in a new process: the JSON it
    prints after ``prefix``."""
    cmd = [sys.executable, __file__, *flags, "--trials", str(args.trials),
           "--steps", str(args.steps), "--batch", str(args.batch)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    line = next(x for x in proc.stdout.splitlines() if x.startswith(prefix))
    return json.loads(line[len(prefix) :])


def hand_cold(args: argparse.Namespace) -> dict:
    """:func:`hand_probe` in a new process."""
    return _in_new_process(args, ["--hand-probe"], "HAND ")


def cold_and_warm(args: argparse.Namespace) -> list[dict]:
    """The probe run twice in new processes sharing one cache folder, empty at first."""
    with tempfile.TemporaryDirectory() as tmp:
        return [_in_new_process(args, ["--compile-probe", tmp], "PROBE ") for _ in range(2)]


def print_cold_and_warm(probes: list[dict], hand_compile_s: float, hand: dict) -> None:
    """Programs taking over 0.05 s cold one row per stage; the many small ones summed; then
    the cold compile and cold call against the hand-written program's, fresh process each."""
    cold = probes[0]["stages"]
    big = sorted(k for k, v in cold.items() if v > 0.05)
    rows = [[k, *(p["stages"].get(k, 0.0) for p in probes)] for k in big]
    other = [sum(v for k, v in p["stages"].items() if k not in big) for p in probes]
    rows.append(["every other program, all stages", *other])
    rows.append(["js.sweep compile_s (its own clock)", *(p["compile_s"] for p in probes)])
    rows.append(["js.sweep run_s (its own clock)", *(p["run_s"] for p in probes)])
    rows.append(["js.sweep CPU seconds, compile + run", *(p["cpu_s"] for p in probes)])
    rows.append(["hand vmap + scan, compile (part 2)", hand_compile_s, hand_compile_s])
    print("\n# js.sweep compile, fresh processes: cold (empty cache) and warm (cache filled)\n")
    print(format_table(["program: stage", "cold s", "warm s"], rows))
    sweep_compile, sweep_call = probes[0]["compile_s"], probes[0]["compile_s"] + probes[0]["run_s"]
    with_init = hand["init_s"] + hand["compile_s"]
    rows = [
        ["js.sweep (initialisation included)", sweep_compile, sweep_call, 1.0, 1.0],
        ["hand vmap + scan, program only", hand["compile_s"], hand["compile_s"] + hand["run_s"],
         sweep_compile / hand["compile_s"], sweep_call / (hand["compile_s"] + hand["run_s"])],
        ["hand vmap + scan + jax.jit(mlp_init)", with_init, with_init + hand["run_s"],
         sweep_compile / with_init, sweep_call / (with_init + hand["run_s"])],
    ]  # fmt: skip
    print("\n# Cold, each in a fresh process with an empty cache: js.sweep and the hand-written\n")
    print(format_table(["variant", "compile s", "compile + run s", "js.sweep compile / this",
                        "js.sweep call / this"], rows))  # fmt: skip


def main() -> None:
    args = parse_args()
    if args.compile_probe is not None:
        return compile_probe(args)
    if args.hand_probe:
        return hand_probe(args)
    n, steps, b = args.trials, args.steps, args.batch
    prob, lrs = problem(n)
    data = prob.data
    scaling = population_scaling(
        prob, js.optim.sgd, {"learning_rate": lrs, "momentum": MOMENTUM},
        max_trials=n, steps=steps, batch_size=b, repeats=args.repeats,
    )  # fmt: skip
    scaling.save(args.out)
    scaling.plot(args.out / "population.png")
    print(scaling.summary(), "\n")

    idx = jnp.asarray(batch_indices(0, data.n_train, b, 0, steps))
    x, y = data.train.x.reshape(data.n_train, -1), data.train.y
    compile_s, runs = peers(x, y, idx, lrs, mlp_init(jax.random.key(0)), not args.no_torch)
    timings = measure_interleaved(runs, warmup=1, repeats=args.repeats)
    last = scaling.rows[-1]
    rows = [
        [f"js.sweep (chunk {last.chunk}, group {last.group})", last.compile_s, last.run_s],
        ["Python loop of jitted single runs", last.loop_compile_s, last.loop_run_s],
        *([label, compile_s.get(label), t.median] for label, t in timings.items()),
    ]
    print(
        f"# MLP 784-{HIDDEN}-10, {n} learning rates x {steps} steps, batch {b}, SGD momentum "
        f"{MOMENTUM}, shared batches; median of {args.repeats} repeats; load {load_average()}\n"
    )
    table = [[*r, r[2] / last.loop_run_s] for r in rows]
    print(format_table(["variant", "compile s", "run s", "run / loop of single runs"], table))
    if not args.no_cache_probe:
        print_cold_and_warm(cold_and_warm(args), compile_s["hand vmap + scan"], hand_cold(args))


if __name__ == "__main__":
    main()
