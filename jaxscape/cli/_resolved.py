"""``resolved.toml``: the final options of a run, written into its output folder.

``tomllib`` reads TOML but cannot write it; the options are flat scalars and lists, so a tiny
writer suffices. An unset option (``None``) is written as a comment: reading the file leaves it
at its default, which is ``None``.
"""

from __future__ import annotations

import json
import math
import platform
import shlex
import sys
from pathlib import Path
from typing import Any

from jaxscape._io import atomic_write_text

#: The name of the file written into the output folder.
RESOLVED = "resolved.toml"


def toml_value(value: Any) -> str:
    """``value`` (a bool, number, string or list of them) as TOML text.

    >>> toml_value(True), toml_value(1e-05), toml_value("a\\"b"), toml_value([1, "x"])
    ('true', '1e-05', '"a\\\\"b"', '[1, "x"]')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        text = repr(value)
        return text if any(c in text for c in ".en") else f"{text}.0"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def render(values: dict[str, Any], run: dict[str, Any], path: str = RESOLVED) -> str:
    """The text of ``resolved.toml``: the options, then the ``[run]`` table."""
    repeat = shlex.join(["jaxscape", *run["command"].split(), "--config", path])
    lines = [f"# the resolved options of this run; repeat it with: {repeat}", ""]
    for key, value in values.items():
        lines.append(f"# {key} is unset" if value is None else f"{key} = {toml_value(value)}")
    lines += ["", "[run]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in run.items()]
    return "\n".join(lines) + "\n"


def run_info(command: str, argv: list[str]) -> dict[str, Any]:
    """The ``[run]`` table: the command, its command line and the versions that ran it."""
    import jax

    return {
        "command": command,
        "argv": shlex.join(["jaxscape", *argv]),
        "jaxscape": sys.modules["jaxscape"].__version__,
        "jax": jax.__version__,
        "python": platform.python_version(),
    }


def write_resolved(folder: Path, values: dict[str, Any], run: dict[str, Any]) -> Path:
    """Write ``resolved.toml`` into ``folder`` (created if needed) atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / RESOLVED
    return atomic_write_text(path, render(values, run, str(path)))
