"""The ``jaxscape`` command: ``jaxscape {recipe,sweep,landscape} ...``.

Each subcommand lives in its own module exposing ``register(subparsers)``, which adds its parser
and sets ``func(args) -> int`` as the handler.

Errors: a user error — a bad argument, a missing file, or a ``ValueError``/``TypeError`` that
jaxscape's argument checks raise before anything compiles — prints one line
``jaxscape COMMAND: error: ...`` and exits with status 2. Anything else is an internal error
and keeps its traceback (status 1); ``--debug`` shows the traceback of user errors too.

Configuration: every command takes ``--config run.toml`` (keys: its long option names; the
command line wins) and writes the resolved options into its output folder as ``resolved.toml``,
which repeats the run (see :mod:`jaxscape.cli._config`).

Compilation: every command keeps the programs it compiles in JAX's persistent compilation cache
(``~/.cache/jaxscape/xla``, or ``$XDG_CACHE_HOME/jaxscape/xla``, or ``$JAXSCAPE_CACHE_DIR``;
``--cache-dir PATH`` chooses another folder, ``--no-cache`` turns it off), so running a command
again skips compilation (see :mod:`jaxscape._compile_cache`).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from jaxscape._compile_cache import compile_cache
from jaxscape.cli._common import add_cache_args, cache_dir
from jaxscape.cli._config import add_config_to_leaves, prepare_run

SUBCOMMANDS = ("recipe", "sweep", "landscape", "bench", "search", "study")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jaxscape",
        description="Hyperparameter intuition, cheaply: populations of training runs and loss "
        "landscapes as single compiled JAX computations.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"jaxscape.cli.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"jaxscape.cli.{name}":
                raise
            continue
        module.register(sub)
    # ``--debug`` and the cache options before or after the subcommand (a subcommand's default
    # must not reset them)
    _add_debug(parser, False)
    add_cache_args(parser, None, False)
    for subparser in sub.choices.values():
        _add_debug(subparser, argparse.SUPPRESS)
        add_cache_args(subparser, argparse.SUPPRESS, argparse.SUPPRESS)
    add_config_to_leaves(parser)
    return parser


def _add_debug(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="show the full traceback of every error, user errors included",
    )


#: Errors about a path the user gave.
USER_OS_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    NotADirectoryError,
    IsADirectoryError,
    PermissionError,
)
#: Packages whose frames mean the error came from tracing, compiling or running a computation.
_COMPUTE = ("jax", "jaxlib", "flax", "optax", "numpy", "torch")


def is_user_error(err: BaseException) -> bool:
    """Whether ``err`` is a user error (one line, status 2) rather than an internal one.

    User errors: a missing or misplaced path, and a ``ValueError``/``TypeError`` raised by
    jaxscape's own code with no JAX/NumPy/flax/optax frame between the command and the raise
    (jaxscape validates arguments on the host before anything is traced). The same exception
    types raised inside a library (a shape error while tracing, a bug) are internal.
    """
    if isinstance(err, USER_OS_ERRORS):
        return True
    if not isinstance(err, ValueError | TypeError):
        return False
    modules = []
    tb = err.__traceback__
    while tb is not None:
        modules.append(tb.tb_frame.f_globals.get("__name__", ""))
        tb = tb.tb_next
    if not modules or not modules[-1].startswith("jaxscape"):
        return False
    return not any(m.split(".")[0] in _COMPUTE for m in modules)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        prepare_run(build_parser, args, argv)  # --config, then OUT/resolved.toml
        with compile_cache(cache_dir(args)):
            return int(args.func(args) or 0)
    except Exception as err:
        if args.debug or not is_user_error(err):
            raise
        message = " ".join(str(err).split()) or type(err).__name__
        print(f"jaxscape {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
