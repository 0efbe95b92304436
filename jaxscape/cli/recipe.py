"""``jaxscape recipe``: the seven-step tuning procedure, written as an HTML report.

Examples::

    jaxscape recipe                                   # small CNN on the embedded digits
    jaxscape recipe --quick --out out/smoke           # every budget cut (smoke test)
    jaxscape recipe --data ~/mnist --model mlp --hidden 256 --epochs 2 --train-epochs 8

Every choice is scored on the validation split (carved from the training data); the test split
is evaluated once, at the end, for the chosen configuration only (``final`` in
``summary.json``, beside ``final_val``, the validation score it was chosen on).

Writes ``report.html`` (self-contained), every figure as a PNG and ``summary.json`` into
``--out``, then prints the summary and the report's path. While it runs, every population keeps
a checkpoint in ``OUT/checkpoints``: after an interruption (Ctrl-C, a lost machine) the same
command resumes there and ends with the report of an uninterrupted run; the folder is removed
once the report is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from jaxscape.cli._common import add_problem_args, build_problem, names


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``recipe`` subcommand."""
    p = subparsers.add_parser(
        "recipe",
        help="run the seven-step tuning recipe and write an HTML report",
        description="Run the practitioner's seven steps — initial line search, learning-rate "
        "range test, momentum range test, decay check, cyclical check, other optimizers, final "
        "line search — as a few populations of training runs, every choice scored on the "
        "validation split and the test split evaluated once for the chosen configuration, and "
        "write a self-contained HTML report, the figures (PNG) and summary.json. With no "
        "arguments: the small CNN (width 0.25) on the embedded digits, about a minute on a "
        "2-core CPU.",
    )
    add_problem_args(p, default_model="cnn")
    p.set_defaults(width=0.25)
    g = p.add_argument_group("budgets (defaults: see jaxscape.tune.Budget)")
    g.add_argument(
        "--quick",
        action="store_true",
        help="cut every budget (smoke test); the budget flags given with it win",
    )
    g.add_argument("--epochs", type=float, default=None, help="N: epochs of each range test (5)")
    g.add_argument(
        "--train-epochs",
        type=float,
        default=None,
        help="epochs of the seeded long runs, 'until convergence' (20)",
    )
    g.add_argument("--seeds", type=int, default=None, help="seeds of each comparison (5)")
    g.add_argument("--batch-size", type=int, default=None, help="mini-batch size (64)")
    g.add_argument("--num-rates", type=int, default=None, help="rates of the range test (21)")
    g.add_argument("--min-lr", type=float, default=None, help="smallest rate (1e-4)")
    g.add_argument("--max-lr", type=float, default=None, help="largest rate (10)")
    g.add_argument("--num-momenta", type=int, default=None, help="momenta of step 3 (9)")
    g.add_argument("--ramp-steps", type=int, default=None, help="steps of the ramp (100; 0: off)")
    g.add_argument(
        "--direction-steps",
        type=int,
        default=None,
        help="Adam steps finding step 1's direction (50; 0: a random direction)",
    )
    h = p.add_argument_group("choices")
    h.add_argument("--seed", type=int, default=0, help="first seed (0)")
    h.add_argument(
        "--optimizers",
        default="adam",
        help="families compared with the tuned SGD in step 6, comma-separated, or 'none' "
        "(default adam)",
    )
    h.add_argument("--plateau", type=float, default=None, help="plateau epoch M (default: read)")
    h.add_argument("--tolerance", type=float, default=None, help="band tolerance (0.02)")
    h.add_argument("--k", type=float, default=2.0, help="verdict threshold in SE (2)")
    o = p.add_argument_group("output")
    o.add_argument("--out", default="out/recipe", help="output folder (out/recipe)")
    o.add_argument(
        "--fresh",
        action="store_true",
        help="discard the checkpoints an interrupted run left in OUT/checkpoints (by default the "
        "same command resumes from them)",
    )
    o.add_argument("--quiet", action="store_true", help="no progress lines or bars")
    o.add_argument("--no-progress", action="store_true", help="no progress bars")
    o.add_argument(
        "--fail-on-flags", action="store_true", help="exit with status 1 when a red flag is raised"
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Handler of ``jaxscape recipe``."""
    from jaxscape.tune import Budget, recipe
    from jaxscape.tune._resume import clear

    budget = _budget(args, Budget.quick() if args.quick else Budget())
    chosen = names(args.optimizers)
    optimizers = () if chosen in (["none"], []) else tuple(chosen)
    prob = build_problem(args)
    log = None if args.quiet else print
    out = Path(args.out)
    checkpoints = out / "checkpoints"
    if args.fresh:
        clear(checkpoints)
    try:
        report = recipe(
            prob,
            budget=budget,
            seed=args.seed,
            optimizers=optimizers,
            plateau=args.plateau,
            tolerance=args.tolerance,
            k=args.k,
            progress=not (args.quiet or args.no_progress),
            log=log,
            checkpoint_dir=checkpoints,
        )
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: the finished populations are saved in {checkpoints}; run the same "
            "command to resume (--fresh to start over)",
            file=sys.stderr,
        )
        return 130
    paths = report.save(out)
    clear(checkpoints)  # the report holds everything now
    print()
    print(report.summary())
    print(f"\nreport:  {paths['html']}")
    print(f"summary: {paths['summary']}")
    return 1 if (args.fail_on_flags and report.red_flags) else 0


#: The budget's fields the command line sets (flag: ``--`` and the field with dashes).
BUDGET_FIELDS = ("epochs", "train_epochs", "seeds", "batch_size", "num_rates", "min_lr", "max_lr",
                 "num_momenta", "ramp_steps", "direction_steps")  # fmt: skip


def _budget(args: argparse.Namespace, base: Any) -> Any:
    """``base`` (``Budget.quick()`` under ``--quick``) with every budget flag the user gave: a
    given flag wins over the preset, and a bad value is refused naming its flag."""
    for field in BUDGET_FIELDS:
        value = getattr(args, field)
        if value is None:
            continue
        try:
            base = base.replace(**{field: value})
        except (TypeError, ValueError) as err:
            raise type(err)(f"--{field.replace('_', '-')}: {err}") from None
    return base


if __name__ == "__main__":  # pragma: no cover
    from jaxscape.cli import main

    sys.exit(main(["recipe", *sys.argv[1:]]))
