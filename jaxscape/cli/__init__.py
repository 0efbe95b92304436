"""The ``jaxscape`` command: ``jaxscape {recipe,sweep,landscape} ...``.

Each subcommand lives in its own module exposing ``register(subparsers)``, which adds its parser
and sets ``func(args) -> int`` as the handler.
"""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = ("recipe", "sweep", "landscape")


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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, FileNotFoundError) as err:
        print(f"jaxscape {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
