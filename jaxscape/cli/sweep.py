"""``jaxscape sweep``: a population of trials over hyperparameter ranges; result files + plots."""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path

import jax
import numpy as np

from jaxscape import optim
from jaxscape._io import flatten_tree, save_npz
from jaxscape.cli._common import add_problem_args, build_problem, parse_values
from jaxscape.cli._train import OPTIMIZERS, parse_hp
from jaxscape.loggers.spec import make_loggers
from jaxscape.population import ASHA, Judging, MedianStopping, SweepResult, grid, sweep


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="train a population over hyperparameter ranges (one compiled computation)",
        description="Train every combination of the given hyperparameter values as one "
        "population, then write sweep.json, metrics.npz, trials.csv and the plots "
        "final.png and curves.png into --out, and print the best trials.",
    )
    add_problem_args(p)
    p.add_argument("--optimizer", default="sgd", choices=OPTIMIZERS)
    p.add_argument(
        "--lr",
        default="1e-4:1:64",
        help="learning rates: a value, a list 'a,b' or a range 'a:b:n' (log-spaced); "
        "default 1e-4:1:64",
    )
    p.add_argument(
        "--hp",
        action="append",
        default=[],
        metavar="NAME=VALUES",
        help="another hyperparameter, e.g. --hp momentum=0.9 or --hp momentum=0:0.99:12 "
        "(linear range) or --hp nesterov=true; repeatable; ranges are crossed with each other",
    )
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--batch-size", type=int, default=128, help="0 means full batch")
    p.add_argument("--eval-every", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--replicates", type=int, default=1, help="seeds per configuration")
    p.add_argument("--checkpoint", default=None, help="checkpoint file (resume if present)")
    p.add_argument("--out", default="out/sweep", help="output folder (default out/sweep)")
    p.add_argument(
        "--save-params",
        default=None,
        metavar="FILE.npz",
        help="write the best trial's final weights (by the summary's metric: validation "
        "accuracy when recorded) here, readable by jaxscape landscape --from/--to",
    )
    p.add_argument(
        "--log",
        action="append",
        default=[],
        metavar="TRACKER",
        help="also log every trial's metrics to a tracker: tensorboard:DIR, mlflow "
        "(MLflow's default store) or mlflow:URI_OR_DIR, wandb or wandb:PROJECT (offline "
        "unless WANDB_MODE says otherwise); repeatable",
    )
    p.add_argument(
        "--prune",
        default=None,
        metavar="RULE",
        help="stop hopeless trials at a record: median (median stopping after a quarter of the "
        "steps) or asha[:MIN_STEPS[:ETA]] (default a quarter of the steps, eta 3); judged on "
        "the validation metric",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def parse_prune(text: str | None, steps: int) -> MedianStopping | ASHA | None:
    """The ``--prune`` rule: ``median`` or ``asha[:MIN_STEPS[:ETA]]``.

    >>> parse_prune("asha:50:4", 400)
    ASHA(metric=None, min_steps=50, eta=4)
    >>> parse_prune("median", 400).warmup_steps
    100
    """
    if text is None:
        return None
    name, *rest = text.split(":")
    if name == "median" and not rest:
        return MedianStopping(warmup_steps=max(1, steps // 4))
    if name == "asha" and len(rest) <= 2:
        try:
            numbers = [int(v) for v in rest]
        except ValueError:
            numbers = None
        if numbers is not None:
            defaults = [max(1, steps // 4), 3]
            min_steps, eta = numbers + defaults[len(numbers) :]
            return ASHA(min_steps=min_steps, eta=eta)
    raise ValueError(f"--prune must be median or asha[:MIN_STEPS[:ETA]], got {text!r}")


def build_table(args: argparse.Namespace) -> dict:
    """The hyperparameter table of the command line: a grid over every range given."""
    axes: dict[str, object] = {"learning_rate": parse_values("learning_rate", args.lr)}
    for text in args.hp:
        name, value = parse_hp(text)
        if name in axes:
            raise ValueError(f"hyperparameter {name!r} given twice")
        axes[name] = value
    if args.replicates < 1:
        raise ValueError(f"--replicates must be >= 1, got {args.replicates}")
    if args.replicates > 1:
        axes["seed"] = args.seed + np.arange(args.replicates)
    static = {k: v for k, v in axes.items() if isinstance(v, bool)}
    table = grid(**{k: v for k, v in axes.items() if k not in static})
    return {**table, **static}


def save_best_params(res: SweepResult, path: Path) -> Path:
    """Write the best trial's final parameters (by the one metric rule of
    :class:`~jaxscape.Judging`: never a test split) as a flat ``.npz``."""
    i = res.best_index()
    metric = Judging().choose_metric(res.metrics)
    params = jax.tree.map(lambda x: np.asarray(x[i]), res.params)
    save_npz(path, flatten_tree(params))
    value = float(res.metrics[metric][i, -1])
    print(f"best trial {i} ({metric} {value:.4g}): weights written to {path}")
    return path


def run(args: argparse.Namespace) -> int:
    from jaxscape.plot.sweep import plot_curves, plot_final

    prune = parse_prune(args.prune, args.steps)
    prob = build_problem(args)
    table = build_table(args)
    factory = getattr(optim, args.optimizer)
    out = Path(args.out)
    print(
        f"{prob.name}: {prob.num_params:,} parameters; "
        f"{len(np.atleast_1d(table['learning_rate']))} trials of {args.optimizer}"
    )
    shared = {"optimizer": args.optimizer, "problem": prob.name, "steps": args.steps}
    log = make_loggers(args.log, {**shared, "batch_size": args.batch_size or "full"})
    tic = time.perf_counter()
    with log if log is not None else contextlib.nullcontext():  # runs end killed on an error
        res = sweep(
            prob,
            factory,
            table,
            steps=args.steps,
            batch_size=None if args.batch_size == 0 else args.batch_size,
            seed=args.seed,
            eval_every=args.eval_every,
            checkpoint=args.checkpoint,
            progress=not args.quiet,
            keep_params=args.save_params is not None,
            on_record=log,  # every record to the trackers while the device trains on
            prune=prune,
        )
    wall = time.perf_counter() - tic
    res.save(out)
    group = next(
        (
            k
            for k, v in res.hyperparams.items()
            if k not in ("learning_rate", "seed") and np.unique(v).size > 1
        ),
        None,
    )
    plot_final(res, group_by=group, path=out / "final.png")
    plot_curves(res, path=out / "curves.png")
    print(res.summary())
    if args.save_params is not None:
        save_best_params(res, Path(args.save_params))
    print(f"{wall:.1f} s (compile {res.info['compile_s']:.1f} s); results and plots in {out}/")
    return 0
