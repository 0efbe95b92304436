"""Landscape throughput: jaxscape against hand-written JAX and a torch loop, side by side.

Measures, in one run on one device:

1. A line of ``--points`` points (default 2048 on an accelerator, 128 on a CPU) along a random
   filter-normalised direction for an MLP 784-128-10 on ``--samples`` (10,000) synthetic
   MNIST-shaped examples (``jaxscape.data.teacher``), every point's loss exact over all
   samples, with
   - ``jaxscape.landscape.line`` (chunks of points vmapped, data batches scanned inside),
   - a hand-written ``jax.lax.map(point_loss, alphas, batch_size=64)`` (all samples in one
     batch per point),
   - a Python loop of a jitted single-point loss,
   - a torch ``no_grad`` loop that writes each point's weights into an ``nn.Module`` (when torch
     is installed).
2. A ``--plane-resolution`` squared plane (default 51x51 on an accelerator, 11x11 on a CPU) for
   the CNN on the embedded digits (train + test splits), with jaxscape.

Compile time is reported apart from run time (run time: median of ``--repeats`` warm runs).
Ratios are against the hand-written ``lax.map``. Usage::

    python benchmarks/landscape_throughput.py                 # defaults for the device
    python benchmarks/landscape_throughput.py --points 2048 --plane-resolution 51
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import jax
import numpy as np

import jaxscape as js


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _block(tree):
    return jax.tree.map(
        lambda x: x.block_until_ready() if hasattr(x, "block_until_ready") else x, tree
    )


def bench_line(args) -> list[tuple[str, float | None, float, np.ndarray]]:
    """``[(variant, compile_s, run_s, losses)]`` for the MLP line."""
    ds = js.data.teacher(n_train=args.samples, n_test=10)
    prob = js.Problem.from_model(js.models.MLP(hidden=(128,)), ds)
    params, state = prob.init(jax.random.key(0))
    d = js.landscape.random_direction(params, jax.random.key(1))
    alphas = np.linspace(-1.0, 1.0, args.points).astype(np.float32)
    x, y = ds.train.x, ds.train.y
    rows = []

    # 1. jaxscape, with the first layer factored (the default for this model) and without;
    #    the first call compiles (and runs), later calls reuse the executable.
    for factored in (True, False):

        def run_js(factored=factored):
            return js.landscape.line(
                prob,
                params,
                d,
                alphas,
                splits=("train",),
                batch_size=args.batch_size,
                progress=False,
                factored=factored,
            )

        t = time.perf_counter()
        run_js()
        first_s = time.perf_counter() - t
        run_s = _median_time(run_js, args.repeats)
        res = run_js()
        how = "first layer factored" if factored else "generic path"
        rows.append(
            (
                f"jaxscape line, {how} (chunks of {res.metadata['points_per_chunk']}, "
                f"batch {args.batch_size})",
                max(first_s - run_s, 0.0),
                run_s,
                res.metrics["train_loss"],
            )
        )

    # 2. hand-written lax.map over points, batch 64, all samples per point
    def point_loss(alpha, p, dd, xx, yy):
        q = jax.tree.map(lambda a, b: a + alpha * b, p, dd)
        return prob.evaluate(q, state, (xx, yy))["loss"]

    mapped = jax.jit(
        lambda al, p, dd, xx, yy: jax.lax.map(
            lambda a: point_loss(a, p, dd, xx, yy), al, batch_size=64
        )
    )
    t = time.perf_counter()
    compiled = mapped.lower(alphas, params, d.params, x, y).compile()
    compile_s = time.perf_counter() - t
    hand = lambda: compiled(alphas, params, d.params, x, y).block_until_ready()
    hand()
    rows.append(
        (
            "hand-written jax.lax.map (batch 64)",
            compile_s,
            _median_time(hand, args.repeats),
            np.asarray(hand()),
        )
    )

    # 3. Python loop of a jitted single point
    single = jax.jit(point_loss)
    t = time.perf_counter()
    single_c = single.lower(alphas[0], params, d.params, x, y).compile()
    compile_s = time.perf_counter() - t

    def loop():
        return np.asarray([single_c(a, params, d.params, x, y) for a in alphas])

    loop()
    rows.append(
        (
            "Python loop of jitted points",
            compile_s,
            _median_time(loop, max(1, args.repeats // 2)),
            loop(),
        )
    )

    # 4. torch no_grad loop writing each point's weights into an nn.Module
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is an optional peer
        torch = None
    if torch is not None and not args.no_torch:
        torch.set_num_threads(os.cpu_count() or 1)
        dev = "cuda" if torch.cuda.is_available() and jax.default_backend() == "gpu" else "cpu"
        layers = params["layers"]
        net = torch.nn.Sequential(
            torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)
        ).to(dev)
        t_of = lambda a: torch.tensor(np.asarray(a), device=dev)
        base = [
            t_of(layers[0]["kernel"]).T.contiguous(),
            t_of(layers[0]["bias"]),
            t_of(layers[1]["kernel"]).T.contiguous(),
            t_of(layers[1]["bias"]),
        ]
        dl = d.params["layers"]
        dirs = [
            t_of(dl[0]["kernel"]).T.contiguous(),
            t_of(dl[0]["bias"]),
            t_of(dl[1]["kernel"]).T.contiguous(),
            t_of(dl[1]["bias"]),
        ]
        tx = t_of(np.asarray(x).reshape(len(x), -1))
        ty = torch.tensor(np.asarray(y), dtype=torch.long, device=dev)

        def torch_loop():
            out = []
            with torch.no_grad():
                for a in alphas:
                    for p, b0, dd in zip(net.parameters(), base, dirs, strict=True):
                        p.copy_(b0 + float(a) * dd)
                    out.append(torch.nn.functional.cross_entropy(net(tx), ty))
                return np.asarray([float(v) for v in out])

        torch_loop()
        rows.append(
            (
                f"torch no_grad loop ({dev})",
                None,
                _median_time(torch_loop, max(1, args.repeats // 2)),
                torch_loop(),
            )
        )
    return rows


def bench_plane(args) -> list[tuple[str, float, float, int]]:
    ds = js.data.digits()
    prob = js.Problem.from_model(js.models.CNN(width=args.cnn_width), ds)
    params, state = prob.init(jax.random.key(0))
    dx = js.landscape.random_direction(params, jax.random.key(1))
    dy = js.landscape.random_direction(params, jax.random.key(2))
    grid = np.linspace(-1, 1, args.plane_resolution)

    rows = []
    for factored in (True, False):

        def run(factored=factored):
            return js.landscape.plane(
                prob,
                params,
                dx,
                dy,
                grid,
                grid,
                state=state,
                batch_size=args.batch_size,
                progress=False,
                factored=factored,
            )

        t = time.perf_counter()
        res = run()
        first_s = time.perf_counter() - t
        run_s = _median_time(run, max(1, args.repeats // 2))
        how = "first conv factored" if factored else "generic path"
        label = (
            f"jaxscape plane {args.plane_resolution}x{args.plane_resolution}, {how}, CNN "
            f"(width {args.cnn_width}) on digits train+test (chunks of "
            f"{res.metadata['points_per_chunk']})"
        )
        rows.append((label, max(first_s - run_s, 0.0), run_s, args.plane_resolution**2))
    return rows


def main(argv: list[str] | None = None) -> None:
    accel = jax.default_backend() != "cpu"
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--points", type=int, default=2048 if accel else 128)
    p.add_argument("--samples", type=int, default=10_000)
    p.add_argument("--batch-size", type=int, default=1024, help="jaxscape data batch size")
    p.add_argument("--plane-resolution", type=int, default=51 if accel else 11)
    p.add_argument("--cnn-width", type=float, default=1.0)
    p.add_argument("--repeats", type=int, default=5 if accel else 3)
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--skip-plane", action="store_true")
    args = p.parse_args(argv)

    dev = jax.devices()[0]
    print(
        f"# landscape throughput — {dev.platform} ({dev.device_kind}), jax {jax.__version__}, "
        f"{os.cpu_count()} CPU cores, {time.strftime('%Y-%m-%d')}"
    )
    print(
        f"\n## Line: {args.points} points, MLP 784-128-10, {args.samples} samples "
        f"(exact loss over all of them per point)\n"
    )
    rows = bench_line(args)
    ref = next(r for r in rows if r[0].startswith("hand-written"))
    print("| variant | compile s | run ms | ms per 1000 points | vs hand lax.map |")
    print("|---|---|---|---|---|")
    for name, comp, run, losses in rows:
        err = float(np.max(np.abs(np.asarray(losses) - np.asarray(ref[3]))))
        comp_txt = "—" if comp is None else f"{comp:.2f}"
        print(
            f"| {name} | {comp_txt} | {1e3 * run:.1f} | {1e6 * run / args.points:.1f} | "
            f"{run / ref[2]:.2f}x (max |dloss| {err:.1e}) |"
        )
    if not args.skip_plane:
        print("\n## Plane\n\n| variant | compile s | run s | ms per point |\n|---|---|---|---|")
        for label, comp, run, n in bench_plane(args):
            print(f"| {label} | {comp:.2f} | {run:.2f} | {1e3 * run / n:.2f} |")


if __name__ == "__main__":
    main()
