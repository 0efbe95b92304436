"""``jaxscape landscape --train STEPS``: train one run, then draw the landscape around it.

The run is a population of one trial (:func:`jaxscape.sweep`), so it trains exactly as a trial
of ``jaxscape sweep`` with the same settings does; its initial weights are the model's for
``--seed`` (``Problem.init(jax.random.key(seed))``) and its parameters are kept at step 0 and
every recording (the trajectory of ``--pca``).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from jaxscape import optim
from jaxscape._checks import check_positive_int
from jaxscape.cli._common import parse_values
from jaxscape.population import SweepResult, sweep
from jaxscape.problem import Problem

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam")


@dataclass(frozen=True)
class TrainedRun:
    """What ``--train`` hands to the landscape: the weights before and after, and the path.

    Attributes:
      initial: the parameters at step 0.
      params: the trained parameters.
      state: the trained model state (batch statistics; the initial one when there are none).
      trajectory: parameters with a leading ``[T]`` axis: step 0 and every recording.
      steps: ``[T]`` the step of each trajectory point.
      result: the one-trial :class:`~jaxscape.population.SweepResult`.
    """

    initial: Any
    params: Any
    state: Any
    trajectory: Any
    steps: np.ndarray
    result: SweepResult


def add_train_args(parser: argparse.ArgumentParser) -> None:
    """``--train``, ``--optimizer``, ``--lr``, ``--momentum``, ``--hp``, ``--train-batch-size``,
    ``--eval-every``."""
    g = parser.add_argument_group("training first (--train)")
    g.add_argument(
        "--train",
        type=int,
        default=None,
        metavar="STEPS",
        help="train one run for STEPS steps from the --seed weights, then draw around the "
        "trained weights (writes initial.npz and trained.npz into --out)",
    )
    g.add_argument("--optimizer", default="sgd", choices=OPTIMIZERS, help="optimizer (sgd)")
    g.add_argument("--lr", type=float, default=0.1, help="learning rate (0.1)")
    g.add_argument("--momentum", type=float, default=None, help="momentum (sgd, rmsprop)")
    g.add_argument(
        "--hp",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="another hyperparameter of the optimizer, e.g. --hp weight_decay=1e-4; repeatable",
    )
    g.add_argument(
        "--train-batch-size",
        type=int,
        default=64,
        help="training mini-batch size (64; 0 means full batch). --batch-size is the "
        "evaluation's data batch",
    )
    g.add_argument(
        "--eval-every",
        type=int,
        default=None,
        help="steps between recordings and trajectory points (default STEPS // 20)",
    )


def parse_hp(text: str) -> tuple[str, object]:
    """``NAME=VALUES`` of ``--hp``: a bool (``true``/``false``) or :func:`parse_values`'s values."""
    if "=" not in text:
        raise ValueError(f"--hp expects NAME=VALUES, got {text!r}")
    name, value = text.split("=", 1)
    name = name.strip()
    if value.strip().lower() in ("true", "false"):
        return name, value.strip().lower() == "true"
    return name, parse_values(name, value)


def _table(args: argparse.Namespace) -> dict[str, Any]:
    """The one trial's hyperparameters: ``--lr``, ``--momentum`` and every ``--hp``."""
    table: dict[str, Any] = {"learning_rate": float(args.lr)}
    if args.momentum is not None:
        table["momentum"] = float(args.momentum)
    for text in args.hp:
        name, value = parse_hp(text)
        if name in table:
            raise ValueError(f"--hp: hyperparameter {name!r} given twice")
        if np.size(value) != 1:
            raise ValueError(f"--hp {name}: --train runs one trial, give one value")
        table[name] = value if isinstance(value, bool) else float(np.ravel(value)[0])
    return table


def train_run(prob: Problem, args: argparse.Namespace, seed: int) -> TrainedRun:
    """Train the ``--train`` run of ``args`` on ``prob`` from the weights of ``seed``."""
    steps = check_positive_int("--train", args.train)
    batch = check_positive_int("--train-batch-size", args.train_batch_size, allow_zero=True)
    res = sweep(
        prob,
        getattr(optim, args.optimizer),
        _table(args),
        steps=steps,
        batch_size=None if batch == 0 else batch,
        seed=seed,
        eval_every=args.eval_every,
        keep_params=True,
        keep_state=True,
        trajectory=[0],
        progress=not args.no_progress,
    )
    if res.diverged[0]:
        raise ValueError(
            f"--train: the run diverged at step {int(res.diverged_at[0])} of {steps}; lower --lr"
        )
    first = lambda tree: jax.tree.map(lambda x: x[0], tree)  # model state may hold PRNG keys
    trajectory = first(res.trajectory["params"])
    return TrainedRun(
        initial=jax.tree.map(lambda x: x[0], trajectory),
        params=first(res.params),
        state=first(res.state.trials.model_state),
        trajectory=trajectory,
        steps=np.asarray(res.trajectory["steps"]),
        result=res,
    )
