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
#: The size options (destinations) each built-in model takes; a user's factory takes none.
SIZE_OPTIONS = {
    "cnn": ("width",),
    "mlp": ("hidden", "width"),
    "logreg": (),
    "linreg": (),
}
#: ``--hidden`` and ``--width`` when not given (their defaults are ``None``: unset).
DEFAULT_HIDDEN, DEFAULT_WIDTH = "128", 1.0
#: ``--data`` when none is given.
DEFAULT_DATA = "digits"


def add_problem_args(parser: argparse.ArgumentParser, *, default_model: str = "mlp") -> None:
    """``--data``, ``--model``, ``--hidden``, ``--width``, ``--loss``.

    ``--hidden`` and ``--width`` default to ``None`` (the built-in models then use 128 and 1),
    so a value the user gave can be told apart: :func:`build_model` refuses it for a model it
    does not size."""
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
        default=None,
        help=f"MLP hidden widths, comma-separated (mlp only; default {DEFAULT_HIDDEN})",
    )
    g.add_argument(
        "--width",
        type=float,
        default=None,
        help=f"width multiplier (model size; cnn and mlp only; default {DEFAULT_WIDTH:g})",
    )
    g.add_argument("--loss", default=None, choices=("cross_entropy", "mse"), help="loss")
    # the command's own defaults (recipe's width 0.25), to tell a --config value from them
    parser.set_defaults(_problem_parser=parser)


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


def given_size_options(args: argparse.Namespace) -> list[str]:
    """The flags among ``--hidden`` and ``--width`` the user gave: on the command line, or (from
    ``--config``) with a value other than the command's default."""
    explicit = vars(args).get("_explicit", set())
    parser = vars(args).get("_problem_parser")
    out = []
    for dest in ("hidden", "width"):
        value = getattr(args, dest, None)
        default = None if parser is None else parser.get_default(dest)
        if dest in explicit or (value is not None and value != default):
            out.append(f"--{dest}")
    return out


def _refuse_unused_size(args: argparse.Namespace) -> None:
    """A ``ValueError`` naming ``--hidden``/``--width`` when given for a model they do not size."""
    takes = SIZE_OPTIONS.get(args.model)
    unused = [f for f in given_size_options(args) if takes is None or f[2:] not in takes]
    if not unused:
        return
    flags, one = " and ".join(unused), len(unused) == 1
    if takes is None:
        raise ValueError(
            f"{flags} {'sizes' if one else 'size'} the built-in models only; --model "
            f"{args.model} is your own factory: drop {flags} and size the model in the factory"
        )
    sized = [m for m, opts in SIZE_OPTIONS.items() if all(f[2:] in opts for f in unused)]
    raise ValueError(
        f"{flags} {'does' if one else 'do'} not apply to --model {args.model}"
        f" (only to {' and '.join(sized)}): drop {flags}"
    )


def build_model(args: argparse.Namespace) -> Any:
    """Model spec from ``--model``/``--hidden``/``--width``, or the user's object it names.

    ``--hidden`` or ``--width`` given for a model they do not size (a user's factory, ``--hidden``
    with ``cnn``, either with ``logreg``/``linreg``) is a ``ValueError`` naming them."""
    if args.model not in MODELS and ":" not in str(args.model):
        raise ValueError(
            f"--model: expected one of {', '.join(MODELS)} or package.module:factory, "
            f"got {args.model!r}"
        )
    _refuse_unused_size(args)
    if args.model not in MODELS:
        return user_model(args.model)
    width = DEFAULT_WIDTH if args.width is None else args.width
    if args.model == "cnn":
        return models.CNN(width=width)
    if args.model == "mlp":
        text = DEFAULT_HIDDEN if args.hidden is None else str(args.hidden)
        try:
            hidden = tuple(int(h) for h in text.split(",") if h.strip())
        except ValueError:
            raise ValueError(
                f"--hidden: expected widths such as 128 or 256,128, got {args.hidden!r}"
            ) from None
        return models.MLP(hidden=hidden, width=width)
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
