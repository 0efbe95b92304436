"""Arguments shared by subcommands: the problem (dataset + model), value ranges and the
compilation cache."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from jaxscape import data as jdata
from jaxscape import models
from jaxscape._compile_cache import ENV_VAR, default_cache_dir
from jaxscape.problem import Problem

MODELS = ("cnn", "mlp", "logreg", "linreg")


def add_problem_args(parser: argparse.ArgumentParser, *, default_model: str = "mlp") -> None:
    """``--data``, ``--model``, ``--hidden``, ``--width``, ``--loss``."""
    g = parser.add_argument_group("problem")
    g.add_argument(
        "--data",
        default="digits",
        help="'digits' (embedded, default), 'teacher' (synthetic MNIST-shaped), 'house' (toy "
        "regression), or a path: a folder of MNIST/Fashion-MNIST IDX files or an .npz with x/y",
    )
    g.add_argument("--model", default=default_model, choices=MODELS, help="architecture")
    g.add_argument(
        "--hidden",
        default="128",
        help="MLP hidden widths, comma-separated (default 128)",
    )
    g.add_argument("--width", type=float, default=1.0, help="width multiplier (model size)")
    g.add_argument("--loss", default=None, choices=("cross_entropy", "mse"), help="loss")


def load_data(spec: str) -> jdata.Dataset:
    """Dataset from a ``--data`` value."""
    if spec == "digits":
        return jdata.digits()
    if spec == "teacher":
        return jdata.teacher()
    if spec == "house":
        return jdata.house_prices()
    return jdata.load(spec)


def build_model(args: argparse.Namespace):
    """Model spec from ``--model``/``--hidden``/``--width``."""
    if args.model == "cnn":
        return models.CNN(width=args.width)
    if args.model == "mlp":
        try:
            hidden = tuple(int(h) for h in str(args.hidden).split(",") if h.strip())
        except ValueError:
            raise ValueError(
                f"--hidden: expected widths such as 128 or 256,128, got {args.hidden!r}"
            ) from None
        return models.MLP(hidden=hidden, width=args.width)
    if args.model == "logreg":
        return models.LogisticRegression()
    return models.LinearRegression()


def build_problem(args: argparse.Namespace) -> Problem:
    """The :class:`Problem` described by the problem arguments."""
    data = load_data(args.data)
    return Problem.from_model(build_model(args), data, loss=args.loss)


LOG_SCALE = {"learning_rate", "eps", "weight_decay", "lr_decay", "initial_accumulator_value"}


def names(text: str) -> list[str]:
    """The non-empty comma-separated items of ``text``, stripped: ``"adam, sgd,"`` -> both."""
    return [s.strip() for s in str(text).split(",") if s.strip()]


def ints(text: str) -> tuple[int, ...]:
    """Comma-separated integers (an ``argparse`` type): ``"8,16"`` -> ``(8, 16)``."""
    return tuple(int(v) for v in names(text))


def floats(text: str) -> tuple[float, ...]:
    """Comma-separated numbers (an ``argparse`` type): ``"0.1,1e-2"`` -> ``(0.1, 0.01)``."""
    return tuple(float(v) for v in names(text))


def parse_values(name: str, spec: str) -> float | np.ndarray:
    """Parse a value spec: ``0.9``, ``0.1,0.5,0.9``, ``a:b:n`` or ``log:a:b:n`` / ``lin:a:b:n``.

    ``a:b:n`` is log-spaced for scale-like hyperparameters (learning rate, eps, weight decay)
    and linearly spaced otherwise.

    >>> parse_values("learning_rate", "1e-3:1:4")
    array([0.001, 0.01 , 0.1  , 1.   ])
    >>> parse_values("momentum", "0:0.9:4")
    array([0. , 0.3, 0.6, 0.9])
    """
    text = spec.strip()
    try:
        if ":" in text:
            parts = text.split(":")
            mode = None
            if parts[0] in ("log", "lin"):
                mode, parts = parts[0], parts[1:]
            if len(parts) != 3:
                raise ValueError
            lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
            if n < 1:
                raise ValueError
            mode = mode or ("log" if name in LOG_SCALE else "lin")
            if mode == "log":
                if lo <= 0 or hi <= 0:
                    raise ValueError(f"--{name}: log spacing needs positive bounds, got {spec!r}")
                return np.logspace(np.log10(lo), np.log10(hi), n)
            return np.linspace(lo, hi, n)
        if "," in text:
            return np.array([float(v) for v in text.split(",")])
        return float(text)
    except ValueError as err:
        if str(err).startswith("--"):
            raise
        raise ValueError(
            f"--{name}: expected a number, a list 'a,b,c' or a range 'a:b:n' "
            f"(optionally 'log:a:b:n' / 'lin:a:b:n'), got {spec!r}"
        ) from None


def add_cache_args(parser: argparse.ArgumentParser, dir_default: Any, off_default: Any) -> None:
    """``--cache-dir PATH`` and ``--no-cache`` (the persistent compilation cache)."""
    parser.add_argument(
        "--cache-dir",
        default=dir_default,
        metavar="PATH",
        help=f"folder of compiled programs reused by later runs (default ${ENV_VAR}, else "
        "$XDG_CACHE_HOME/jaxscape/xla, else ~/.cache/jaxscape/xla)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        default=off_default,
        help="compile every program afresh and write no compiled program to disk",
    )


def cache_dir(args: argparse.Namespace) -> Path | None:
    """The cache folder of ``args`` (``None`` with ``--no-cache``).

    >>> cache_dir(argparse.Namespace(cache_dir="/tmp/x", no_cache=False))
    PosixPath('/tmp/x')
    >>> cache_dir(argparse.Namespace(cache_dir="/tmp/x", no_cache=True)) is None
    True
    """
    if getattr(args, "no_cache", False):
        return None
    given = getattr(args, "cache_dir", None)
    return Path(given).expanduser() if given else default_cache_dir()
