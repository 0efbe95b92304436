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
from jaxscape.cli._user_code import is_reference, load_user_data, module_factory, user_model
from jaxscape.problem import Problem

MODELS = ("cnn", "mlp", "logreg", "linreg")
#: ``--data`` when none is given.
DEFAULT_DATA = "digits"


def add_problem_args(parser: argparse.ArgumentParser, *, default_model: str = "mlp") -> None:
    """``--data``, ``--model``, ``--hidden``, ``--width``, ``--loss``."""
    g = parser.add_argument_group("problem")
    g.add_argument(
        "--data",
        default=DEFAULT_DATA,
        help="'digits' (embedded, default), 'teacher' (synthetic MNIST-shaped), 'house' (toy "
        "regression), a path: a folder of MNIST/Fashion-MNIST IDX files or an .npz with x/y, "
        "or your loader package.module:loader (or path/to/file.py:loader) returning a "
        "jaxscape.data.Dataset or (x, y) arrays",
    )
    g.add_argument(
        "--model",
        default=default_model,
        metavar="MODEL",
        help=f"a built-in architecture ({', '.join(MODELS)}) or your own "
        "package.module:factory (or path/to/file.py:factory): a callable rngs -> nnx.Module, "
        "a jaxscape.models spec, or a function returning a ready jaxscape.Problem "
        "(then --data is refused)",
    )
    g.add_argument(
        "--hidden",
        default="128",
        help="MLP hidden widths, comma-separated (default 128)",
    )
    g.add_argument("--width", type=float, default=1.0, help="width multiplier (model size)")
    g.add_argument("--loss", default=None, choices=("cross_entropy", "mse"), help="loss")


def load_data(spec: str) -> jdata.Dataset:
    """Dataset from a ``--data`` value: a built-in name, a path or ``module:loader``."""
    if is_reference(spec) and not Path(spec).expanduser().exists():
        return load_user_data(spec)
    if spec == "digits":
        return jdata.digits()
    if spec == "teacher":
        return jdata.teacher()
    if spec == "house":
        return jdata.house_prices()
    return jdata.load(spec)


def build_model(args: argparse.Namespace) -> Any:
    """Model spec from ``--model``/``--hidden``/``--width``, or the user's object it names."""
    if args.model not in MODELS:
        if ":" not in str(args.model):
            raise ValueError(
                f"--model: expected one of {', '.join(MODELS)} or package.module:factory, "
                f"got {args.model!r}"
            )
        return user_model(args.model)
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
    model = build_model(args)
    if isinstance(model, Problem):
        explicit = vars(args).get("_explicit", set())
        if args.data != DEFAULT_DATA or "data" in explicit:
            raise ValueError(f"--model {args.model} returns a ready Problem: drop --data")
        if args.loss is not None:
            raise ValueError(f"--model {args.model} returns a ready Problem: drop --loss")
        return model
    data = load_data(args.data)
    if args.model in MODELS:
        return Problem.from_model(model, data, loss=args.loss)
    factory = module_factory(model, data)
    name = f"{str(args.model).rpartition(':')[2]} on {data.name}"
    return Problem.from_model(factory, data, loss=args.loss, name=name)


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
