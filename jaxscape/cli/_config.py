"""``--config run.toml`` for every command, and the resolved configuration of a run.

A configuration file is TOML whose keys are the command's long option names (``batch-size`` or
``batch_size``) with values typed as the options: ``steps = 200``, ``lr = "1e-3:1:8"``,
``quiet = true``, ``hp = ["momentum=0.9"]`` (a repeatable option takes a list), ``hidden =
[256, 128]`` (a comma-separated option takes a list or the text). Options given on the command
line override the file. An unknown key is an error naming it and listing the valid ones.

Every run writes ``resolved.toml`` into its output folder: each option's final value, then a
``[run]`` table with the command and the jaxscape, JAX and Python versions. ``jaxscape COMMAND
--config OUT/resolved.toml`` repeats the run (paths are relative to the folder the command was
started from, as on the command line).
"""

from __future__ import annotations

import argparse
import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jaxscape.cli._resolved import RESOLVED, run_info, write_resolved
from jaxscape.cli._user_code import is_reference, resolve

#: Options a configuration never sets or records (they change nothing the run computes).
NOT_RECORDED = frozenset({"help", "config", "debug", "cache_dir", "no_cache"})


def add_config_arg(parser: argparse.ArgumentParser) -> None:
    """``--config FILE.toml`` on a command's parser."""
    parser.add_argument(
        "--config",
        default=None,
        metavar="FILE.toml",
        help="read options from a TOML file (keys: the long option names); options given on "
        f"the command line win. Every run writes {RESOLVED} into its output folder, which "
        "repeats it",
    )


def leaf_parser(parser: argparse.ArgumentParser, args: argparse.Namespace):
    """The (sub)parser that parsed ``args``'s command: ``jaxscape study optimizers`` -> its."""
    while True:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs or getattr(args, subs[0].dest, None) is None:
            return parser
        parser = subs[0].choices[getattr(args, subs[0].dest)]


def options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """The long options of ``parser`` by name with underscores (``batch_size``, ``from``:
    the option's name, whatever its destination), in declaration order."""
    out = {}
    for action in parser._actions:
        if action.option_strings and action.dest not in NOT_RECORDED:
            out.setdefault(long_name(action)[2:].replace("-", "_"), action)
    return out


def suppress_defaults(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Set every default of ``parser`` and its subparsers to ``SUPPRESS`` (in place): parsing
    then yields only the options the command line gave."""
    parser._defaults.clear()
    for action in parser._actions:
        action.default = argparse.SUPPRESS
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                suppress_defaults(sub)
    return parser


def long_name(action: argparse.Action) -> str:
    """``--batch-size`` of an action (its first long option string)."""
    return next((s for s in action.option_strings if s.startswith("--")), action.option_strings[0])


def apply_config(
    args: argparse.Namespace, leaf: argparse.ArgumentParser, explicit: set[str]
) -> None:
    """Set every option of the file ``args.config`` names that the command line did not give."""
    path = Path(args.config).expanduser()
    try:
        table = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"--config {path}: not valid TOML ({err})") from None
    opts = options(leaf)
    _check_run_table(path, table.pop("run", None), command_words(leaf))
    for key, value in table.items():
        action = opts.get(key.replace("-", "_"))
        if action is None:
            valid = ", ".join(long_name(a)[2:] for a in opts.values())
            raise ValueError(f"--config {path}: unknown key {key!r}; valid keys: {valid}")
        if action.dest not in explicit:
            setattr(args, action.dest, typed(action, value, f"--config {path}: {key}"))


def _check_run_table(path: Path, run: Any, command: str) -> None:
    """The ``[run]`` table of a resolved file must name this command (if it names one)."""
    if run is None:
        return
    if not isinstance(run, dict):
        raise ValueError(f"--config {path}: 'run' must be a table (the [run] of {RESOLVED})")
    wanted = run.get("command")
    if wanted is not None and wanted != command:
        raise ValueError(
            f"--config {path}: written by 'jaxscape {wanted}', not 'jaxscape {command}'"
        )


def command_words(leaf: argparse.ArgumentParser) -> str:
    """``sweep`` or ``study optimizers``: the (sub)command ``leaf`` parses."""
    return leaf.prog.split(" ", 1)[1] if " " in leaf.prog else leaf.prog


def typed(action: argparse.Action, value: Any, where: str) -> Any:
    """``value`` from a TOML file as the option ``action`` would hold it."""
    if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction):
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true or false, got {value!r}")
        return value
    if isinstance(action, argparse._AppendAction):
        items = value if isinstance(value, list) else [value]
        return [_one(action, v, where) for v in items]
    return _one(action, value, where)


def _one(action: argparse.Action, value: Any, where: str) -> Any:
    if isinstance(value, dict):
        raise ValueError(f"{where}: expected a value, got a table")
    if isinstance(value, list):  # a comma-separated option: [256, 128] -> "256,128"
        value = ",".join(str(v) for v in value)
    kind = action.type
    try:
        if kind is None:
            out = value if isinstance(value, str) else _text(value)
        elif kind in (int, float) and isinstance(value, bool):
            raise ValueError
        elif kind is int and isinstance(value, float):
            out = int(value) if value.is_integer() else kind(str(value))
        else:
            out = kind(value) if kind in (int, float) else kind(str(value))
    except (TypeError, ValueError, argparse.ArgumentTypeError):
        raise ValueError(f"{where}: invalid value {value!r}") from None
    if action.choices is not None and out not in action.choices:
        choices = ", ".join(map(str, action.choices))
        raise ValueError(f"{where}: {out!r} is not one of {choices}")
    return out


def _text(value: Any) -> str:
    """A TOML scalar as the text a command line would give (``1e-3``, ``true``)."""
    return json.dumps(value) if isinstance(value, bool) else str(value)


def resolved(args: argparse.Namespace, leaf: argparse.ArgumentParser) -> dict[str, Any]:
    """Every option's final value by long name (``None`` when unset), JSON-serialisable."""
    return {long_name(a)[2:]: _plain(getattr(args, a.dest, None)) for a in options(leaf).values()}


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def add_config_to_leaves(parser: argparse.ArgumentParser) -> None:
    """``--config`` on every command parser below ``parser`` that runs something."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for action in subs:
        for sub in action.choices.values():
            add_config_to_leaves(sub)
    if not subs:
        add_config_arg(parser)


def prepare_run(
    build: Callable[[], argparse.ArgumentParser], args: argparse.Namespace, argv: list[str]
) -> None:
    """Apply ``--config`` to ``args`` (the command line wins) and write ``resolved.toml`` into
    ``args.out`` when the command has an output folder. ``build`` makes the parser afresh."""
    leaf = leaf_parser(build(), args)
    explicit = set(vars(suppress_defaults(build()).parse_args(argv)))
    vars(args)["_explicit"] = explicit
    if getattr(args, "config", None):
        apply_config(args, leaf, explicit)
    for dest in ("model", "data"):  # a bad reference fails before the output folder is made
        text = getattr(args, dest, None)
        if isinstance(text, str) and is_reference(text) and not Path(text).expanduser().exists():
            resolve(f"--{dest}", text)
    out = getattr(args, "out", None)
    if out:
        run = run_info(command_words(leaf), argv)
        write_resolved(Path(out), resolved(args, leaf), run)
