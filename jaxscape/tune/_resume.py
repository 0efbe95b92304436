"""Resumable procedures: while a folder is set, every population they train keeps a checkpoint.

Inside ``with resumable(folder, key):`` each call of :func:`next_checkpoint` names the next
engine checkpoint file in ``folder`` (``01_range.ckpt.npz``, ``02_arms.ckpt.npz``...). A
procedure that passes it to :func:`jaxscape.sweep` gets the engine's guarantee: the run's state
is written atomically as it goes, and the same call after an interruption resumes where it
stopped and ends with the numbers of an uninterrupted run; a finished population is read back
without training. A deterministic sequence of procedures (the recipe) thus resumes as a whole.

``folder/run.json`` keeps ``key`` (the whole sequence: problem, budgets, seeds, versions) and
the manifest of the checkpoint files handed out. A folder left by a different sequence loses
those files first, so a file is never matched to the wrong population by its position. Only
files this module named are ever deleted (those in the manifest, with the exact
``NN_kind.ckpt.npz`` form, and the temporary files of their atomic writes); anything else in
the folder is left alone.
"""

from __future__ import annotations

import glob
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jaxscape._io import atomic_write_text

SUFFIX = ".ckpt.npz"
STAMP = "run.json"
FORMAT = "jaxscape.resume/1"
#: The names :func:`next_checkpoint` gives: ``01_range.ckpt.npz``.
NAME = re.compile(r"\d{2,}_[A-Za-z0-9_]+" + re.escape(SUFFIX))


@dataclass
class _Slots:
    folder: Path
    text: str
    files: list[str] = field(default_factory=list)
    count: int = 0


_ACTIVE: ContextVar[_Slots | None] = ContextVar("jaxscape_tune_resume", default=None)


def _manifest(folder: Path) -> tuple[Any, list[str]]:
    """``(key text, files)`` recorded in ``folder/run.json``; ``(None, [])`` when absent.

    A stamp of an earlier version held the key alone: its files are the ones with our names.
    """
    stamp = folder / STAMP
    if not stamp.is_file():
        return None, []
    try:
        meta = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    if isinstance(meta, dict) and meta.get("format") == FORMAT:
        files = [f for f in meta.get("files", []) if isinstance(f, str) and NAME.fullmatch(f)]
        return meta.get("key"), files
    return stamp.read_text(encoding="utf-8", errors="replace"), [
        p.name for p in folder.iterdir() if NAME.fullmatch(p.name)
    ]


def _write_stamp(slots: _Slots) -> None:
    meta = {"format": FORMAT, "key": slots.text, "files": slots.files}
    atomic_write_text(slots.folder / STAMP, json.dumps(meta, indent=1) + "\n")


def _remove(folder: Path, files: list[str]) -> None:
    """Delete the named checkpoint files and leftovers of their atomic writes (``.NAME.*.tmp``)."""
    for name in files:
        (folder / name).unlink(missing_ok=True)
        for tmp in folder.glob(f".{glob.escape(name)}.*.tmp"):
            tmp.unlink(missing_ok=True)


@contextmanager
def resumable(folder: str | os.PathLike, key: dict[str, Any]) -> Iterator[int]:
    """Keep the checkpoints of the populations trained inside the block in ``folder``.

    Yields the number of checkpoint files found from an earlier run of the same ``key``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(key, sort_keys=True, default=str)
    old_key, old_files = _manifest(folder)
    if old_key is not None and old_key != text:
        _remove(folder, old_files)
        old_files = []
    slots = _Slots(folder, text, [f for f in old_files if (folder / f).is_file()])
    _write_stamp(slots)
    token = _ACTIVE.set(slots)
    try:
        yield len(slots.files)
    finally:
        _ACTIVE.reset(token)


def next_checkpoint(kind: str) -> Path | None:
    """The checkpoint path of the next population (``None`` outside :func:`resumable`).

    The name is added to the folder's manifest before it is handed out, so :func:`clear` and a
    later sequence know the file as this module's.
    """
    slots = _ACTIVE.get()
    if slots is None:
        return None
    slots.count += 1
    name = f"{slots.count:02d}_{kind}{SUFFIX}"
    if not NAME.fullmatch(name):
        raise ValueError(f"checkpoint kind must be letters, digits or '_', got {kind!r}")
    if name not in slots.files:
        slots.files.append(name)
        _write_stamp(slots)
    return slots.folder / name


def clear(folder: str | os.PathLike) -> None:
    """Remove the checkpoints and the stamp that :func:`resumable` left in ``folder`` (and the
    folder when nothing else is in it); other files in it stay."""
    folder = Path(folder)
    if not folder.is_dir():
        return
    _, files = _manifest(folder)
    _remove(folder, files)
    (folder / STAMP).unlink(missing_ok=True)
    if not any(folder.iterdir()):
        folder.rmdir()
