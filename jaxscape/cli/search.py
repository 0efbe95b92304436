"""``jaxscape search``: a hyperparameter search whose batches train as populations.

Examples::

    jaxscape search --space space.toml --strategy random --budget 64 --steps 300
    jaxscape search --space space.toml --strategy tpe --storage postgresql://host/db

Every trial is recorded in an Optuna study (default ``OUT/search.db``, SQLite): Ctrl-C, then
the same command resumes without re-running a finished trial, and several machines running the
command against one database each take batches. Every choice is scored on the validation split;
the best configuration's test score is evaluated once, at the end. Writes ``incumbent.png``,
``slices.png``, ``heatmap.png`` and a self-contained ``report.html`` into ``--out``, and the
result (``search.json``, ``trials.csv``, ``arrays.npz``) into ``OUT/result``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from jaxscape.cli._common import add_problem_args, build_problem

STRATEGIES = ("random", "coarse-to-fine", "hyperband", "tpe", "gp", "cmaes", "qmc", "nsga2", "pbt")


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``search`` subcommand."""
    p = subparsers.add_parser(
        "search",
        help="search hyperparameters: random, coarse to fine, Hyperband, Optuna samplers",
        description="Search the space of a TOML/JSON file: each batch of configurations trains "
        "as one population per structure (optimizer, schedule), scored on the validation "
        "split; the best configuration's test score is evaluated once at the end. The record "
        "lives in an Optuna study, so the same command resumes after an interruption.",
    )
    p.add_argument("--space", required=True, help="search space file (.toml or .json)")
    p.add_argument("--strategy", default="random", choices=STRATEGIES)
    p.add_argument("--budget", type=int, default=32, help="configurations in all (32)")
    p.add_argument(
        "--batch",
        type=int,
        default=None,
        help="configurations per population batch / coarse-to-fine round (16; 8 for samplers)",
    )
    p.add_argument("--steps", type=int, default=200, help="training steps per trial (200)")
    p.add_argument("--batch-size", type=int, default=128, help="mini-batch size; 0: full batch")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--shrink", type=float, default=0.5, help="coarse to fine: box factor (0.5)")
    p.add_argument(
        "--eta",
        type=int,
        default=3,
        help="hyperband: reduction factor (3); --steps is R, the brackets that fit in "
        "--budget x --steps training steps run",
    )
    p.add_argument(
        "--interval", type=int, default=None, help="pbt: steps between exploits (steps // 10)"
    )
    p.add_argument(
        "--storage", default=None, help="Optuna storage URL (default sqlite:///OUT/search.db)"
    )
    p.add_argument("--study", default=None, help="study name (default: the strategy)")
    p.add_argument("--out", default="out/search", help="output folder (out/search)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    add_problem_args(p)
    p.set_defaults(func=run)
    return p


def _search(args: argparse.Namespace, prob, space, storage: str) -> Any:
    from jaxscape import search
    from jaxscape.population import Training

    training = Training(
        steps=args.steps,
        batch_size=None if args.batch_size == 0 else args.batch_size,
        seeds=(args.seed,),
        progress=False,
    )
    record = search.Record(
        storage=storage,
        study_name=args.study or args.strategy,
        on_batch=None if args.quiet else _log_batch,
    )
    if args.strategy == "random":
        batch = args.batch or min(16, args.budget)
        return search.random_search(
            prob, space, training, budget=args.budget, batch=batch, record=record
        )
    if args.strategy == "coarse-to-fine":
        per_round = args.batch or min(16, args.budget)
        rounds = max(1, -(-args.budget // per_round))
        return search.coarse_to_fine(
            prob,
            space,
            training,
            rounds=rounds,
            per_round=per_round,
            shrink=args.shrink,
            record=record,
        )
    if args.strategy == "hyperband":
        return search.hyperband(
            prob, space, training, eta=args.eta, budget=args.budget * args.steps, record=record
        )
    return search.optuna_search(
        prob,
        space,
        training,
        sampler=args.strategy,
        budget=args.budget,
        batch=args.batch or min(8, args.budget),
        record=record,
    )


def check_args(args: argparse.Namespace) -> None:
    """Refuse bad or ignored flags before anything loads or trains (one line, status 2)."""
    for flag in ("budget", "steps", "batch", "interval", "eta"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise ValueError(f"--{flag} must be a positive integer, got {value}")
    if args.eta < 2:
        raise ValueError(f"--eta must be an integer >= 2, got {args.eta}")
    if args.batch_size < 0:
        raise ValueError(f"--batch-size must be >= 1 (0: full batch), got {args.batch_size}")
    if not 0 < args.shrink < 1:
        raise ValueError(f"--shrink must be in (0, 1), got {args.shrink}")
    given = {f for f in ("batch", "interval") if getattr(args, f) is not None}
    used = {
        "random": {"batch"},
        "coarse-to-fine": {"batch"},
        "hyperband": set(),
        "pbt": {"interval"},
    }.get(args.strategy, {"batch"})
    ignored = sorted(given - used)
    if ignored:
        flags = ", ".join(f"--{f}" for f in ignored)
        raise ValueError(f"--strategy {args.strategy} does not use {flags}; leave it out")


def _log_batch(records: list[dict]) -> None:
    from jaxscape.population.result import higher_is_better

    first = records[0]["metrics"] if records else {}
    name = next(
        (
            k
            for k in ("val_accuracy", "val_loss", "test_accuracy", "test_loss", "train_loss")
            if k in first
        ),
        None,
    )
    if name is None:
        return
    values = [r["metrics"][name] for r in records if r["metrics"][name] == r["metrics"][name]]
    best = (max if higher_is_better(name) else min)(values, default=float("nan"))
    print(
        f"  batch of {len(records)} trials done (trials {records[0]['trial']}-"
        f"{records[-1]['trial']}; best {name} {best:.4g})",
        flush=True,
    )


def run(args: argparse.Namespace) -> int:
    """Handler of ``jaxscape search``."""
    import optuna

    from jaxscape.search import Space
    from jaxscape.search.report import save_search_report

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    check_args(args)
    space = Space.load(args.space)
    prob = build_problem(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.strategy == "pbt":  # --budget members, no Optuna study (jaxscape/cli/_pbt.py)
        from jaxscape.cli._pbt import run_pbt

        return run_pbt(args, prob, space, out)
    storage = args.storage or f"sqlite:///{(out / 'search.db').absolute()}"
    if not args.quiet:
        what = (
            f"the brackets that fit in {args.budget} x {args.steps} training steps, eta {args.eta}"
            if args.strategy == "hyperband"
            else f"budget {args.budget} x {args.steps} steps"
        )
        print(f"{prob.name}: {args.strategy} search, {what}; record in {storage}")
    try:
        res = _search(args, prob, space, storage)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: finished trials are kept in {storage}; run the same command to resume",
            file=sys.stderr,
        )
        return 130
    save_search_report(res, out, space)
    best = res.best()
    print(res.summary())
    print(f"\nbest configuration (trial {best['trial']}): {best['config']}")
    print(f"validation {res.metric}: {best['score']:.4g}")
    for k, v in best["test"].items():
        print(f"{k} (evaluated once, for this configuration only): {v:.4g}")
    print(f"results, plots and report.html in {out}/")
    return 0


if __name__ == "__main__":  # pragma: no cover
    from jaxscape.cli import main

    sys.exit(main(["search", *sys.argv[1:]]))
