"""What the two benchmark results share: rows of frozen dataclasses saved as JSON + CSV.

A result is saved into a folder as ``<kind>.json`` (format tag, environment, settings, notes and
rows; written atomically, never pickled) and ``<kind>.csv`` (the rows, for a spreadsheet);
loading reads the JSON back into equal objects.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
from pathlib import Path
from typing import Any

from jaxscape._frame import rows_frame
from jaxscape._io import atomic_write_text, load_json, save_json
from jaxscape.bench._timing import format_table


def rows_as_dicts(rows: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(r) for r in rows]


def save_table(result: Any, path: str | os.PathLike, kind: str, fmt: str) -> Path:
    """Write ``<kind>.json`` and ``<kind>.csv`` of ``result`` into the folder ``path``."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    rows = rows_as_dicts(result.rows)
    save_json(
        folder / f"{kind}.json",
        {
            "format": fmt,
            "environment": result.environment,
            "settings": result.settings,
            "notes": list(result.notes),
            "rows": rows,
        },
    )
    buf = io.StringIO()
    names = [f.name for f in dataclasses.fields(result.rows[0])] if rows else ["note"]
    writer = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(folder / f"{kind}.csv", buf.getvalue())
    return folder


def load_table(path: str | os.PathLike, kind: str, fmt: str, cls: type, row_cls: type) -> Any:
    """Read a result written by :func:`save_table`."""
    file = Path(path) / f"{kind}.json"
    if not file.is_file():
        raise FileNotFoundError(f"{Path(path)} has no {kind}.json; not a saved benchmark")
    meta = load_json(file)
    if meta.get("format") != fmt:
        raise ValueError(f"{file} holds a {meta.get('format')!r} result, not {fmt!r}")
    return cls(
        rows=tuple(row_cls(**r) for r in meta["rows"]),
        environment=dict(meta["environment"]),
        settings=dict(meta["settings"]),
        notes=tuple(meta["notes"]),
    )


def to_dataframe(rows: tuple[Any, ...]):
    """A pandas ``DataFrame`` with one row per dataclass row."""
    return rows_frame(rows_as_dicts(rows))


def header(title: str, environment: dict[str, str], notes: tuple[str, ...]) -> str:
    """Title, device/versions/date line and notes above a summary table."""
    env = ", ".join(f"{k} {v}" for k, v in environment.items())
    lines = [f"# {title}", env]
    lines += [f"note: {n}" for n in notes]
    return "\n".join(lines)


def markdown(headers: list[str], rows: list[list[Any]]) -> str:
    return format_table(headers, rows) if rows else "(no rows)"
