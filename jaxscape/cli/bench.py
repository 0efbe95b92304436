"""``jaxscape bench {optimizers,population}``: benchmark tables, JSON, CSV and a figure."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from jaxscape.cli._common import add_problem_args, build_problem, names


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="benchmark optimizer updates or population scaling on this device",
        description="Measure on this device, print a table and write <kind>.json, <kind>.csv "
        "and <kind>.png into --out (device, versions and date recorded with the numbers).",
    )
    kinds = p.add_subparsers(dest="bench", metavar="KIND")
    opt = kinds.add_parser(
        "optimizers",
        help="update throughput per optimizer and size, against the copy bandwidth",
        description="Time one optimizer update per optimizer, size and variant; with the "
        "device's copy bandwidth measured in the same run.",
    )
    opt.add_argument(
        "--optimizers",
        default="adam,sgd,momentum",
        help="comma-separated names: sgd, momentum, adam, adamw, adamax, nadam, rmsprop, "
        "adagrad, adadelta (jaxscape.optim) or optax.sgd, optax.adam, ... (default "
        "adam,sgd,momentum)",
    )
    opt.add_argument("--sizes", default="1M,16M", help="parameter counts, e.g. 1M,16M,134M,1B")
    opt.add_argument("--leaves", type=int, default=100, help="buffers of the tree variants")
    opt.add_argument("--dtype", default="float32")
    opt.add_argument("--variants", default="tree,donated,flat")
    opt.add_argument("--repeats", type=int, default=5)
    opt.add_argument("--warmup", type=int, default=2)
    opt.add_argument("--torch", action="store_true", help="add torch.optim foreach/fused peers")
    opt.add_argument("--out", default="out/bench", help="output folder (default out/bench)")
    opt.add_argument("--quiet", action="store_true", help="no progress bar")
    opt.set_defaults(func=run_optimizers)

    pop = kinds.add_parser(
        "population",
        help="trial-steps/s of a population against N, against a loop of single runs",
        description="Train N = 1, 2, 4, ... trials as one population (js.sweep) and as a loop "
        "of single jitted runs; report trial-steps/s, compile time and memory per trial.",
    )
    add_problem_args(pop)
    pop.add_argument("--optimizer", default="sgd", help="a jaxscape.optim name (default sgd)")
    pop.add_argument("--max-trials", type=int, default=64)
    pop.add_argument("--steps", type=int, default=100)
    pop.add_argument("--batch-size", type=int, default=128, help="0 means full batch")
    pop.add_argument("--repeats", type=int, default=1)
    pop.add_argument("--no-loop", action="store_true", help="skip the loop of single runs")
    pop.add_argument("--out", default="out/bench", help="output folder (default out/bench)")
    pop.add_argument("--quiet", action="store_true", help="no progress bar")
    pop.set_defaults(func=run_population)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def run_optimizers(args: argparse.Namespace) -> int:
    if args.torch:  # torch and JAX share an accelerator: JAX must not reserve it all
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    from jaxscape.bench import update_throughput

    res = update_throughput(
        names(args.optimizers),
        names(args.sizes),
        leaves=args.leaves,
        dtype=args.dtype,
        variants=names(args.variants),
        repeats=args.repeats,
        warmup=args.warmup,
        torch_peers=args.torch,
        progress=not args.quiet,
    )
    return _write(res, Path(args.out))


def run_population(args: argparse.Namespace) -> int:
    from jaxscape import optim
    from jaxscape.bench import population_scaling

    if args.optimizer not in optim.__all__ or args.optimizer[0].isupper():
        raise ValueError(f"--optimizer: unknown {args.optimizer!r}")
    res = population_scaling(
        build_problem(args),
        getattr(optim, args.optimizer),
        max_trials=args.max_trials,
        steps=args.steps,
        batch_size=None if args.batch_size == 0 else args.batch_size,
        repeats=args.repeats,
        loop=not args.no_loop,
        progress=not args.quiet,
    )
    return _write(res, Path(args.out))


def _write(res, out: Path) -> int:
    res.save(out)
    res.plot(out / f"{res.kind}.png")
    print(res.summary())
    print(f"\nresults in {out}/{res.kind}.json, .csv and .png")
    return 0
