"""``jaxscape study``: the seeds' studies as one command each.

Examples::

    jaxscape study optimizers                       # 6 optimizers x 48 rates on the digits
    jaxscape study optimizers --quick --out out/z   # a tiny zoo (smoke test)
    jaxscape study optimizers --data ~/mnist --max-steps 10000 --sizes 0.125,0.25,0.5,1,2,4

``optimizers`` writes into ``--out``: ``zoo/`` (``zoo.json``, ``zoo.csv``, ``curves.npz``),
``zoo.png`` (steps and seconds to target against the learning rate, one line per optimizer;
``zoo_train_split.png`` the same for the whole-training-split criterion),
``summary.md`` (our table beside the survey's MNIST table) and, with ``--sizes``, ``size/`` and
``size.png`` (each optimizer at its best rate against the CNN's parameter count).

``batch-size`` trains a learning rate x batch size grid as one population (masked batches) and
writes ``batch_size/`` (the result), ``batch_size.png`` (heat maps after equal epochs and after
equal steps, the best rate per batch size and the linear scaling rule) and ``summary.txt``::

    jaxscape study batch-size --quick --out out/bs
    jaxscape study batch-size --epochs 8 --seeds 0,1 --out docs/images
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from jaxscape.cli._common import floats, ints, load_data, names
from jaxscape.cli._edge_of_stability import register_edge_of_stability
from jaxscape.cli._quick import check_positive, settle

QUICK = {"max_steps": 100, "sample_every": 50, "width": 0.125, "rates": 4}
#: ``study batch-size --quick``: 2 batch sizes x 3 rates, a quarter epoch, a tiny MLP (keys: the
#: options' destinations; a flag the user gives wins, see :mod:`jaxscape.cli._quick`).
BATCH_QUICK = {
    "batch_sizes": (8, 32),
    "rates": (0.05, 0.2, 0.8),
    "epochs": 0.25,
    "hidden": (16,),
}
#: ``(flag, destination, integer)`` of the options a preset covers, checked with the flag's name.
ZOO_FLAGS = (("--max-steps", "max_steps", True), ("--sample-every", "sample_every", True),
             ("--width", "width", False))  # fmt: skip
BATCH_FLAGS = (("--batch-sizes", "batch_sizes", True), ("--rates", "rates", False),
               ("--epochs", "epochs", False), ("--hidden", "hidden", True))  # fmt: skip


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``study`` subcommand (with its ``optimizers`` study)."""
    p = subparsers.add_parser("study", help="the seeds' studies (optimizer zoo, model size)")
    studies = p.add_subparsers(dest="study", metavar="STUDY", required=True)
    z = studies.add_parser(
        "optimizers",
        help="the optimizer survey: 6 optimizers x 48 rates, steps to 97%% training accuracy",
        description="Train the TensorFlow-tutorial CNN with gradient descent, momentum 0.5, "
        "Adagrad, Adadelta, RMSProp and Adam (TensorFlow 1.x settings) at 48 learning rates "
        "(1e-6 ... 100), one population per optimizer, and report the steps and seconds until "
        "the streaming training accuracy exceeds the target.",
    )
    _add_data(z)
    z.add_argument("--max-steps", type=int, default=None, help="cap per run (10000)")
    z.add_argument("--sample-every", type=int, default=None, help="steps per recording (100)")
    z.add_argument("--target", type=float, default=0.97, help="target accuracy (0.97)")
    z.add_argument("--width", type=float, default=None, help="CNN width multiplier (1)")
    z.add_argument("--batch-size", type=int, default=100, help="mini-batch size (100)")
    z.add_argument("--seed", type=int, default=0, help="the seed every run shares (0)")
    z.add_argument("--optimizers", default=None, help="comma-separated subset, e.g. Adam,GD")
    z.add_argument(
        "--sizes", default=None, help="width multipliers of the model-size study, e.g. 0.125,1"
    )
    z.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: width 0.125, 4 rates, 100 steps sampled every 50 (--max-steps, "
        "--sample-every and --width given with it win)",
    )
    z.add_argument("--out", default="study-optimizers", help="output folder")
    z.add_argument("--progress", action="store_true", help="show progress bars")
    z.set_defaults(func=run_optimizers)
    _register_batch_size(studies)
    register_edge_of_stability(studies)
    return p


def _add_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        default="digits",
        help="'digits' (default), an MNIST folder/.npz or package.module:loader",
    )


def _register_batch_size(studies: Any) -> None:
    b = studies.add_parser(
        "batch-size",
        help="learning rate x batch size in one population: the linear scaling rule",
        description="Train every learning rate x batch size (x seed) as one population (each "
        "trial's batch masked to its size) and draw the validation accuracy after equal epochs "
        "and after equal steps, with the best rate per batch size and the linear scaling rule.",
    )
    _add_data(b)
    b.add_argument("--batch-sizes", type=ints, default=None, help="e.g. 8,16,32,64,128,256")
    b.add_argument("--rates", type=floats, default=None, help="learning rates (2^-9 ... 4)")
    b.add_argument("--epochs", type=float, default=None, help="equal-epochs budget (8)")
    b.add_argument("--steps", type=int, default=None, help="equal-steps budget (middle batch's)")
    b.add_argument("--hidden", type=ints, default=None, help="MLP hidden widths (64)")
    b.add_argument("--seeds", type=ints, default=(0,), help="seeds averaged per cell (0)")
    b.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 2 sizes x 3 rates, a quarter epoch, 16 hidden units (--batch-sizes, "
        "--rates, --epochs and --hidden given with it win)",
    )
    b.add_argument("--out", default="study-batch-size", help="output folder")
    b.add_argument("--progress", action="store_true", help="show a progress bar")
    b.set_defaults(func=run_batch_size)


def run_batch_size(args: argparse.Namespace) -> int:
    from jaxscape import models
    from jaxscape._io import atomic_write_text
    from jaxscape.study import BATCH_LEARNING_RATES, BATCH_SIZES, batch_size

    defaults = {"batch_sizes": BATCH_SIZES, "rates": BATCH_LEARNING_RATES, "epochs": 8.0}
    kw = settle(args, {**defaults, "hidden": (64,)}, BATCH_QUICK)
    for flag, dest, integer in BATCH_FLAGS:
        check_positive(flag, kw[dest], integer=integer)
    kw["learning_rates"] = kw.pop("rates")
    hidden = kw.pop("hidden")
    out = Path(args.out)
    t0 = time.perf_counter()
    res = batch_size(
        load_data(args.data), model=models.MLP(hidden=hidden), steps=args.steps,
        seeds=args.seeds, progress=args.progress, **kw,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    res.save(out / "batch_size")
    res.plot(out / "batch_size.png")
    text = f"{res.summary()}\n{wall:.1f} s wall ({res.info['compile_s']:.1f} s compiling)\n"
    atomic_write_text(out / "summary.txt", text)
    print(text + f"wrote {out}")
    return 0


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    from jaxscape.study import LEARNING_RATES

    rates = LEARNING_RATES
    kw = settle(args, {"max_steps": 10_000, "sample_every": 100, "width": 1.0}, QUICK)
    for flag, dest, integer in ZOO_FLAGS:
        check_positive(flag, kw[dest], integer=integer)
    if kw["max_steps"] % kw["sample_every"]:
        origin = ", --quick's" if args.quick and args.sample_every is None else ""
        raise ValueError(
            f"--max-steps ({kw['max_steps']}) must be a multiple of --sample-every "
            f"({kw['sample_every']}{origin})"
        )
    kw.update(target=args.target, batch_size=args.batch_size, seed=args.seed)
    kw["progress"] = args.progress
    if args.quick:
        rates = LEARNING_RATES[:: len(LEARNING_RATES) // QUICK["rates"]][: QUICK["rates"]]
    if args.optimizers:
        kw["optimizers"] = names(args.optimizers)
    return {**kw, "learning_rates": rates}


def summary_markdown(res, survey: dict[str, tuple[int, float, float]]) -> str:
    """Our per-optimizer table beside the survey's MNIST table, as Markdown."""
    lines = [
        f"| optimizer | ours: rates reaching {res.target:.0%} | band | best rate (steps) | "
        "whole train split (band) | survey (MNIST) | survey band |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in res.per_optimizer():
        band = "—" if s["band"] is None else f"{s['band'][0]:.2g} … {s['band'][1]:.2g}"
        best = "—" if s["best_rate"] is None else f"{s['best_rate']:.2g} ({s['best_steps']})"
        sb = s["train_split_band"]
        split = f"{s['train_split_successes']}" + (
            "" if sb is None else f" ({sb[0]:.2g} … {sb[1]:.2g})"
        )
        sv = survey.get(s["optimizer"])
        sv_n = "—" if sv is None else f"{sv[0]} of 48"
        sv_band = "—" if sv is None else f"{sv[1]:.2g} … {sv[2]:.2g}"
        lines.append(
            f"| {s['optimizer']} | {s['successes']} of {s['rates']} | {band} | {best} | "
            f"{split} | {sv_n} | {sv_band} |"
        )
    return "\n".join(lines) + "\n"


def run_optimizers(args: argparse.Namespace) -> int:
    from jaxscape._io import atomic_write_text
    from jaxscape.study import SURVEY_MNIST, model_size, optimizer_zoo

    kw = _settings(args)
    data = load_data(args.data)
    out = Path(args.out)
    sizes = [float(s) for s in args.sizes.split(",")] if args.sizes else []
    t0 = time.perf_counter()
    res = optimizer_zoo(data, **kw)
    wall = time.perf_counter() - t0
    res.save(out / "zoo")
    res.plot(out / "zoo.png")
    res.plot(out / "zoo_train_split.png", criterion="train_split")
    table = summary_markdown(res, SURVEY_MNIST)
    n = res.n_trials
    head = (
        f"{n} runs ({len(set(res.optimizer.tolist()))} optimizers), {kw['max_steps']} steps "
        f"each, {res.info['problem']}: {wall:.1f} s wall ({res.info['compile_s']:.1f} s "
        f"compiling, {res.info['run_s']:.1f} s running)\n\n"
    )
    atomic_write_text(out / "summary.md", head + table)
    print(head + table, end="")
    if sizes:
        best = res.best_rates()
        if not best:
            print("model size: no optimizer reached the target; skipped")
        else:
            size_kw = {
                k: v for k, v in kw.items() if k not in ("width", "learning_rates", "optimizers")
            }
            sres = model_size(best, data, widths=sizes, **size_kw)
            sres.save(out / "size")
            sres.plot(out / "size.png", x="num_params")
            print(f"model size: {np.unique(sres.num_params).tolist()} parameters")
    print(f"wrote {out}")
    return 0
