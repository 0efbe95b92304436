"""Streaming: a population trained from a memory-mapped data set larger than memory wants.

Workload: a synthetic classification set (784 features, 10 classes, labels from a random linear
teacher) written once as ``.npy`` files, ``--rows`` rows (1.4 M rows: 4.4 GB of float32 inputs
on disk). An MLP 784-128-10 population of ``--trials`` SGD learning rates (momentum 0.9, batch
128, one shared batch order) trains ``--steps`` steps twice, each in its own process:

- **streamed**: ``jaxscape.data.open_npy`` on the whole file: the training split stays on disk,
  each window's rows are read (memory-mapped) and sent with its calls;
- **in memory**: the same sweep on the first ``--subset`` rows loaded as device arrays (the
  default path), same validation split.

Each process reports its peak resident memory (``VmHWM``) and the run's time without
compilation (``info["run_s"]``, after a warm-up sweep has compiled every program); throughput is
trial-steps per second. The two run ``--repeats`` times, interleaved; the table keeps each one's
fastest run and highest peak. The file is written once into ``--folder`` and kept (its pages
are then mostly in the OS cache: the streamed figures are for a warm page cache; dropping the
cache needs root).

Run: ``python benchmarks/streaming.py [--rows 1400000 --trials 64 --steps 300 --repeats 2]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

FEATURES, CLASSES, VAL = 784, 10, 4096


def write(folder: Path, rows: int) -> None:
    """The data set as .npy files (skipped when already there with ``rows`` rows)."""
    x_path = folder / "x_train.npy"
    if x_path.exists() and np.load(x_path, mmap_mode="r").shape[0] == rows:
        return
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    teacher = rng.normal(size=(FEATURES, CLASSES)).astype(np.float32)
    x = np.lib.format.open_memmap(x_path, "w+", np.float32, (rows, FEATURES))
    y = np.empty(rows, np.int32)
    for lo in range(0, rows, 50_000):
        hi = min(rows, lo + 50_000)
        xs = rng.normal(size=(hi - lo, FEATURES)).astype(np.float32)
        x[lo:hi] = xs
        y[lo:hi] = np.argmax(xs @ teacher + rng.normal(size=(hi - lo, CLASSES)), axis=1)
    x.flush()
    del x
    np.save(folder / "y_train.npy", y)
    xv = rng.normal(size=(VAL, FEATURES)).astype(np.float32)
    np.save(folder / "x_val.npy", xv)
    np.save(folder / "y_val.npy", np.argmax(xv @ teacher, axis=1).astype(np.int32))


def child(kind: str, folder: Path, args: argparse.Namespace) -> dict:
    """One measured sweep in this process (``kind``: ``streamed`` or ``memory``)."""
    import jax

    import jaxscape as js

    ds = js.data.open_npy(folder, num_classes=CLASSES)
    if kind == "memory":
        rows = np.arange(args.subset)
        val = (np.asarray(ds.val.x), np.asarray(ds.val.y))
        x, y = ds.train.x.take(rows), ds.train.y.take(rows)
        ds = js.data.Dataset(
            name="subset",
            train=js.data.Split(x=jax.device_put(x), y=jax.device_put(y)),
            test=None,
            num_classes=CLASSES,
            val=js.data.Split(x=jax.device_put(val[0]), y=jax.device_put(val[1])),
        )
        del x, y
    prob = js.Problem.from_model(js.models.MLP(hidden=(128,)), ds)
    table = {"learning_rate": np.geomspace(1e-3, 0.3, args.trials), "momentum": 0.9}
    kw = dict(batch_size=128, eval_every=args.steps // 10, progress=False)
    js.sweep(prob, js.optim.sgd, table, steps=args.steps // 10, **kw)  # compiles what follows
    tic = time.perf_counter()
    res = js.sweep(prob, js.optim.sgd, table, steps=args.steps, **kw)
    wall = time.perf_counter() - tic
    return {
        "path": kind,
        "train_rows": ds.n_train,
        "train_gb": ds.n_train * FEATURES * 4 / 1e9,
        "run_s": res.info["run_s"],
        "wall_s": wall,
        "trial_steps_per_s": args.trials * args.steps / res.info["run_s"],
        "peak_rss_mb": _peak_rss_mb(),
        "best_val_accuracy": float(np.nanmax(res.metrics["val_accuracy"][:, -1])),
    }


def _peak_rss_mb() -> float:
    """This process's peak resident memory (``VmHWM``: the high-water mark of its own address
    space; ``ru_maxrss`` would include the parent's at the fork)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rows", type=int, default=1_400_000)
    p.add_argument("--subset", type=int, default=100_000)
    p.add_argument("--trials", type=int, default=64)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--folder", default=os.path.join("out", "streaming_data"))
    p.add_argument("--child", choices=("streamed", "memory"), default=None)
    args = p.parse_args()
    folder = Path(args.folder)
    if args.child is not None:
        print(json.dumps(child(args.child, folder, args)))
        return
    tic = time.perf_counter()
    write(folder, args.rows)
    print(f"data: {args.rows} rows in {folder} ({time.perf_counter() - tic:.0f} s)", flush=True)
    runs: dict[str, list[dict]] = {"memory": [], "streamed": []}
    for _ in range(args.repeats):  # interleaved, each in a fresh process
        for kind in runs:
            out = subprocess.run(
                [sys.executable, __file__, "--child", kind, *sys.argv[1:]],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            runs[kind].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(json.dumps(runs[kind][-1]), flush=True)
    rows = []
    for got in runs.values():  # the fastest run, and the highest peak of any
        best = dict(min(got, key=lambda r: r["run_s"]))
        best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in got)
        rows.append(best)
    from jaxscape.bench._timing import environment, format_table

    base = rows[0]["trial_steps_per_s"]
    for r in rows:
        r["throughput_ratio"] = r["trial_steps_per_s"] / base
    env = environment()
    print(f"\n{env.get('date')} | {env.get('device')} | load {env.get('load average')}")
    head = ["path", "train_rows", "train_gb", "run_s", "trial_steps_per_s", "throughput_ratio"]
    head += ["peak_rss_mb", "best_val_accuracy"]
    print(format_table(head, [[r[h] for h in head] for r in rows]))


if __name__ == "__main__":
    main()
