"""Optimizer update throughput: jaxscape vs optax vs torch.optim, side by side in one run.

For each optimizer (Adam, SGD, SGD with momentum 0.9) and each model size (a float32 pytree of
100 equal leaves), one update step is timed for:

* ``jaxscape tree``: :mod:`jaxscape.optim` on the 100-leaf pytree, jit with donated buffers;
* ``jaxscape flat``: the same optimizer on persistent flat buffers (parameters, gradients and
  moments each one contiguous vector across steps), so the step is one fused expression;
* ``optax tree``: the optax optimizer, jit with donated buffers;
* ``optax.flatten``: ``optax.flatten(optimizer)`` on the pytree (concatenates every step);
* ``torch foreach`` / ``torch fused``: ``torch.optim`` with ``foreach=True`` / ``fused=True``.

A device-to-device pass (a jitted JAX elementwise pass, torch ``copy_`` and torch in-place
``add_``; the fastest counts) measures the memory bandwidth; an update must move at least 28
bytes per parameter for Adam (read p, g, m, v; write p, m, v), 12 for SGD and 20 for SGD with
momentum. Note that jaxscape's SGD always keeps its momentum buffer (momentum is data, so 0 and
0.9 share one program): with momentum 0 it still moves 20 bytes, and its bandwidth fraction is
computed against the nominal 12.

Variants of one (optimizer, size) are measured interleaved, repeat by repeat, when they fit in
memory together, so a slow period of a shared machine hits them alike; ``ms/step`` is the
median, ``min ms`` the fastest repeat.

Then a population update: N stacked copies of a ~100K-parameter model (784-128-10 MLP
shapes) updated at once, vmapped with per-trial learning rates, against a Python loop of N
single jitted updates.

Run (defaults finish in a few minutes on a 2-core CPU):

    python benchmarks/optimizer_throughput.py
    python benchmarks/optimizer_throughput.py --sizes 1M,16.8M,134M,1.07B --repeats 10
"""

from __future__ import annotations

import argparse
import functools
import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _timing
import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxscape.optim as jo

try:  # torch is the peer, not a dependency
    import torch
except ImportError:  # pragma: no cover
    torch = None

LEAVES = 100
LR = 1e-3
BYTES_PER_PARAM = {"adam": 28, "sgd": 12, "momentum": 20}
# resident float32 buffers per parameter (params, grads, optimizer state) of each variant
RESIDENT = {"adam": 4, "sgd": 2, "momentum": 3}
OPTIMIZERS = {
    "adam": (lambda lr: jo.adam(lr), lambda lr: optax.adam(lr)),
    "sgd": (lambda lr: jo.sgd(lr), lambda lr: optax.sgd(lr)),
    "momentum": (lambda lr: jo.sgd(lr, momentum=0.9), lambda lr: optax.sgd(lr, momentum=0.9)),
}
VARIANTS = (
    "jaxscape tree",
    "jaxscape flat",
    "optax tree",
    "optax.flatten",
    "torch foreach",
    "torch fused",
)


def parse_size(text: str) -> int:
    """``"16.8M"`` -> 16_800_000 (suffixes K, M, B/G)."""
    text = text.strip().upper()
    scale = {"K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9}.get(text[-1:], 1.0)
    number = text[:-1] if text[-1:] in "KMBG" else text
    return round(float(number) * scale)


def label(n: int) -> str:
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= div:
            return f"{n / div:.3g}{suffix}"
    return str(n)


# --------------------------------------------------------------------------------------- JAX


def _jax_runner(tx: optax.GradientTransformation, params: Any, grads: Any) -> Callable[[], Any]:
    """One donated, jitted update per call; the closure carries params and state."""

    @functools.partial(jax.jit, donate_argnums=(0, 1))
    def step(params, state, grads):
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    box = [params, tx.init(params)]

    def run():
        box[0], box[1] = step(box[0], box[1], grads)
        return box[0]

    return run


def _tree(total: int, value: float) -> list[jax.Array]:
    leaf = total // LEAVES
    return [jnp.full((leaf,), value, jnp.float32) for _ in range(LEAVES)]


def jax_variant(name: str, variant: str, total: int) -> Callable[[], Any]:
    ours, theirs = OPTIMIZERS[name]
    if variant == "jaxscape flat":
        leaf = total // LEAVES
        params = jnp.full((leaf * LEAVES,), 0.01, jnp.float32)
        grads = jnp.full((leaf * LEAVES,), 1e-3, jnp.float32)
        return _jax_runner(ours(LR), params, grads)
    params, grads = _tree(total, 0.01), _tree(total, 1e-3)
    tx = {
        "jaxscape tree": lambda: ours(LR),
        "optax tree": lambda: theirs(LR),
        "optax.flatten": lambda: optax.flatten(theirs(LR)),
    }[variant]()
    return _jax_runner(tx, params, grads)


# ------------------------------------------------------------------------------------- torch


def torch_variant(name: str, variant: str, total: int) -> Callable[[], Any] | None:
    if torch is None:
        return None
    leaf = total // LEAVES
    device = "cuda" if torch.cuda.is_available() else "cpu"
    params = [torch.full((leaf,), 0.01, device=device, requires_grad=True) for _ in range(LEAVES)]
    for p in params:
        p.grad = torch.full_like(p, 1e-3)
    flag = {"torch foreach": {"foreach": True}, "torch fused": {"fused": True}}[variant]
    try:
        if name == "adam":
            opt = torch.optim.Adam(params, lr=LR, **flag)
        else:
            opt = torch.optim.SGD(
                params, lr=LR, momentum=0.9 if name == "momentum" else 0.0, **flag
            )
        opt.step()
    except (RuntimeError, ValueError) as err:  # fused not supported on this device/dtype
        print(f"  {variant} {name}: unavailable ({err})", file=sys.stderr)
        return None

    def run():
        opt.step()
        return params[0]

    return run


# --------------------------------------------------------------------------------- bandwidth


def bandwidth(total: int, args) -> tuple[float, dict[str, float]]:
    """Bytes per second of the fastest pass reading and writing ``total`` floats.

    Measured: a donated jitted JAX elementwise pass, torch ``copy_`` into another buffer and
    torch in-place ``add_``. An optimizer update reads and writes its buffers in place; a copy
    into a separate buffer also reads the destination before writing it (write-allocate on a
    CPU), so the in-place pass is the fair limit there. Returns the fastest and all of them.
    """
    bump = jax.jit(lambda x: x + 1.0, donate_argnums=0)
    box = [jnp.full((total,), 1.0, jnp.float32)]

    def jax_pass():
        box[0] = bump(box[0])
        return box[0]

    runs: dict[str, Callable[[], Any]] = {"jax x+1 (donated)": jax_pass}
    if torch is not None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
        a = torch.ones(total, device=device)
        b = torch.empty_like(a)
        runs["torch copy_"] = lambda: b.copy_(a)
        runs["torch add_ (in place)"] = lambda: a.add_(1.0)
    timings = _timing.measure_interleaved(runs, warmup=args.warmup, repeats=args.repeats)
    box.clear()
    runs.clear()
    gc.collect()
    rates = {name: 8 * total / t.median for name, t in timings.items()}
    return max(rates.values()), rates


# -------------------------------------------------------------------------------- population

POP_SHAPES = ((784, 128), (128,), (128, 10), (10,))


def population(name: str, n: int, args) -> tuple[float, float, int]:
    """Seconds of one vmapped update of ``n`` trials and of a loop of ``n`` single updates."""
    ours, _ = OPTIMIZERS[name]
    key = jax.random.key(0)
    keys = jax.random.split(key, len(POP_SHAPES))
    params = [0.05 * jax.random.normal(k, (n, *s)) for k, s in zip(keys, POP_SHAPES, strict=True)]
    grads = [1e-3 * jnp.ones_like(p) for p in params]
    lrs = jnp.geomspace(1e-4, 1e-1, n).astype(jnp.float32)
    per_model = sum(int(np.prod(s)) for s in POP_SHAPES)

    def one(p, s, g, lr):
        updates, s = ours(lr).update(g, s, p)
        return optax.apply_updates(p, updates), s

    # the loop's trials: copies of each row, made before the batched run donates the stack
    trials = [
        [[leaf[i] for leaf in params], ours(lrs[i]).init([leaf[i] for leaf in params])]
        for i in range(n)
    ]
    single_grads = [[leaf[i] for leaf in grads] for i in range(n)]
    batched = jax.jit(jax.vmap(one), donate_argnums=(0, 1))
    box = [params, jax.vmap(lambda lr, p: ours(lr).init(p))(lrs, params)]
    del params

    def run_batched():
        box[0], box[1] = batched(box[0], box[1], grads, lrs)
        return box[0]

    t_batched = _timing.measure(run_batched, warmup=args.warmup, repeats=args.repeats).median
    box.clear()
    single = jax.jit(one, donate_argnums=(0, 1))

    def run_loop():
        for i, trial in enumerate(trials):
            trial[0], trial[1] = single(trial[0], trial[1], single_grads[i], lrs[i])
        return [t[0] for t in trials]

    t_loop = _timing.measure(run_loop, warmup=1, repeats=max(1, args.repeats // 2)).median
    return t_batched, t_loop, per_model


# ---------------------------------------------------------------------------- side by side


def footprint(name: str, variant: str, total: int) -> int:
    """Bytes a variant holds: parameters, gradients, optimizer state (+ flatten's copies)."""
    extra = 3 if variant == "optax.flatten" else 0
    return (RESIDENT[name] + extra) * 4 * total


def time_group(name: str, total: int, variants: list[str], args) -> dict[str, Any]:
    """Time every variant of one (optimizer, size), interleaving those that fit in memory
    together (a slow period of a shared machine then hits them alike); the rest follow in
    further groups. Variants that do not fit alone, or are unavailable, map to ``None``."""
    timings: dict[str, Any] = {}
    pending = list(variants)
    while pending:
        free = _timing.available_memory_bytes()
        budget = None if free is None else 0.7 * free
        runners: dict[str, Callable[[], Any]] = {}
        used = 0
        for variant in list(pending):
            need = footprint(name, variant, total)
            if budget is not None and need > budget and not runners:
                print(
                    f"  skip {variant} {name} {label(total)}: needs ~{need / 2**30:.1f} GiB, "
                    f"{free / 2**30:.1f} GiB free"
                )
                timings[variant] = None
                pending.remove(variant)
                continue
            if budget is not None and used + need > budget:
                break  # measure this group first, then build the next
            pending.remove(variant)
            make = torch_variant if variant.startswith("torch") else jax_variant
            run = make(name, variant, total)
            if run is None:
                timings[variant] = None
                continue
            runners[variant] = run
            used += need
        if runners:
            timings.update(
                _timing.measure_interleaved(runners, warmup=args.warmup, repeats=args.repeats)
            )
        runners.clear()
        gc.collect()
    return timings


# -------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="1M,16.8M,134M",
        help="total parameters per model, e.g. 1M,16.8M,134M,1.07B",
    )
    parser.add_argument("--optimizers", default="adam,sgd,momentum")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--population", type=int, default=256, help="trials (0: skip)")
    parser.add_argument("--json", type=Path, default=None, help="also save the rows as JSON")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s]
    names = [s for s in args.optimizers.split(",") if s]
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    for bad in set(names) - set(OPTIMIZERS):
        parser.error(f"unknown optimizer {bad!r}; choose from {sorted(OPTIMIZERS)}")
    for bad in set(variants) - set(VARIANTS):
        parser.error(f"unknown variant {bad!r}; choose from {list(VARIANTS)}")

    env = _timing.environment()
    print("# Optimizer update throughput\n")
    print(", ".join(f"{k} {v}" for k, v in env.items()))
    print(f"load average at the start: {_timing.load_average()}")
    print(f"command: python benchmarks/optimizer_throughput.py {' '.join(sys.argv[1:])}\n")

    rows, records = [], []
    for total in sizes:
        free = _timing.available_memory_bytes()
        need_bw = 3 * 4 * total
        if free is not None and need_bw > 0.8 * free:
            print(
                f"skip {label(total)}: needs ~{need_bw / 2**30:.1f} GiB, "
                f"{free / 2**30:.1f} GiB free"
            )
            continue
        bw, rates = bandwidth(total, args)
        detail = ", ".join(f"{k} {v / 1e9:.1f}" for k, v in rates.items())
        print(f"{label(total)} params: bandwidth {bw / 1e9:.1f} GB/s ({detail} GB/s)")
        for name in names:
            floor = BYTES_PER_PARAM[name] * total / bw
            timings = time_group(name, total, variants, args)
            times = {v: None if t is None else t.median for v, t in timings.items()}
            spread = {v: t.minimum for v, t in timings.items() if t is not None}
            ref = times.get("torch fused")
            for variant in variants:
                t = times[variant]
                ratio = None if t is None or ref is None else t / ref
                rows.append(
                    [
                        name,
                        label(total),
                        variant,
                        None if t is None else 1e3 * t,
                        None if t is None else 1e3 * spread[variant],
                        None if t is None else f"{total / t:.3g}",
                        None if t is None else f"{100 * floor / t:.0f}%",
                        None if ratio is None else f"{ratio:.2f}x",
                    ]
                )
                records.append(
                    {
                        "optimizer": name,
                        "params": total,
                        "variant": variant,
                        "seconds": t,
                        "floor_seconds": floor,
                        "bandwidth": bw,
                    }
                )
            rows.append(
                [name, label(total), "bandwidth floor", 1e3 * floor, None, None, "100%", None]
            )
    print()
    print(
        _timing.format_table(
            [
                "optimizer",
                "params",
                "variant",
                "ms/step",
                "min ms",
                "params/s",
                "of bandwidth",
                "vs torch fused",
            ],
            rows,
        )
    )
    print(
        "\nms/step is the median of the repeats (min ms: the fastest); params/s, the bandwidth"
        " fraction and the ratio use the median."
    )

    if args.population > 0:
        pop_rows = []
        for name in names:
            t_b, t_l, per_model = population(name, args.population, args)
            trial_params = args.population * per_model
            pop_rows.append(
                [
                    name,
                    args.population,
                    label(per_model),
                    "vmapped population",
                    1e3 * t_b,
                    f"{trial_params / t_b:.3g}",
                    f"{t_l / t_b:.1f}x",
                ]
            )
            pop_rows.append(
                [
                    name,
                    args.population,
                    label(per_model),
                    "loop of single updates",
                    1e3 * t_l,
                    f"{trial_params / t_l:.3g}",
                    "1.0x",
                ]
            )
            records.append(
                {
                    "optimizer": name,
                    "population": args.population,
                    "params_per_trial": per_model,
                    "vmapped_seconds": t_b,
                    "loop_seconds": t_l,
                }
            )
        print()
        print(
            _timing.format_table(
                [
                    "optimizer",
                    "trials",
                    "params/trial",
                    "variant",
                    "ms/update",
                    "params/s",
                    "speed-up",
                ],
                pop_rows,
            )
        )
    print(f"\nload average at the end: {_timing.load_average()}")
    if args.json is not None:
        from jaxscape._io import save_json

        save_json(args.json, {"environment": env, "rows": records})


if __name__ == "__main__":
    main()
