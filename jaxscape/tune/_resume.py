"""Resumable procedures: while a folder is set, every population they train keeps a checkpoint.

Inside ``with resumable(folder, key):`` each population's engine checkpoint is named after the
step that trains it: inside ``with step("2_learning_rate"):``, :func:`next_checkpoint` names
``2_learning_rate-range.ckpt.npz`` (a second population of the same kind in the same step:
``2_learning_rate-range-2.ckpt.npz``). A procedure that passes the path to
:func:`jaxscape.sweep` gets the engine's guarantee: the run's state is written atomically as
it goes, and the same call after an interruption resumes where it stopped and ends with the
numbers of an uninterrupted run; a finished population is read back without training. A step's
files do not depend on how many populations the steps before it trained, so a recipe resumes as
a whole, step by step. Outside any step the names are those of a step called ``run``.

``folder/run.json`` keeps ``key`` (the whole sequence: problem, budgets, seeds, versions) and
the manifest of the checkpoint files handed out. A folder left by a different sequence (or by
an earlier version of this module, which named files by a call counter: ``01_range.ckpt.npz``)
loses those files first, so a file is never matched to the wrong population. Only files this
module named are ever deleted (those in the manifest, with one of the forms above, and the
temporary files of their atomic writes); anything else in the folder is left alone.
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
FORMAT = "jaxscape.resume/2"
#: The names :func:`next_checkpoint` gives: ``2_learning_rate-range.ckpt.npz``.
NAME = re.compile(r"[A-Za-z0-9_]+-[A-Za-z0-9_]+(?:-\d+)?" + re.escape(SUFFIX))
#: The names of format 1 (a call counter): ``01_range.ckpt.npz``; only ever deleted.
OLD_NAME = re.compile(r"\d{2,}_[A-Za-z0-9_]+" + re.escape(SUFFIX))
#: The key of a folder left by format 1: never equal to a key of this format.
OLD_KEY = "(a run of jaxscape.resume/1)"


@dataclass
class _Slots:
    folder: Path
    text: str
    files: list[str] = field(default_factory=list)
    step: str = "run"
    kinds: dict[str, int] = field(default_factory=dict)


_ACTIVE: ContextVar[_Slots | None] = ContextVar("jaxscape_tune_resume", default=None)


def _manifest(folder: Path) -> tuple[Any, list[str]]:
    """``(key text, files)`` recorded in ``folder/run.json``; ``(None, [])`` when absent.

    A stamp of an earlier format gets :data:`OLD_KEY` (so its files are removed) and the files
    with its names: those in its manifest, or, for the oldest (the key alone), in the folder.
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
    if isinstance(meta, dict) and isinstance(meta.get("files"), list):
        return OLD_KEY, [f for f in meta["files"] if isinstance(f, str) and OLD_NAME.fullmatch(f)]
    return OLD_KEY, [p.name for p in folder.iterdir() if OLD_NAME.fullmatch(p.name)]


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


@contextmanager
def step(name: str) -> Iterator[None]:
    """Name the checkpoints of the populations trained inside the block after step ``name``
    (letters, digits, ``_``); nothing outside :func:`resumable`."""
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise ValueError(f"step name must be letters, digits or '_', got {name!r}")
    slots = _ACTIVE.get()
    if slots is None:
        yield
        return
    before = (slots.step, slots.kinds)
    slots.step, slots.kinds = name, {}
    try:
        yield
    finally:
        slots.step, slots.kinds = before


def next_checkpoint(kind: str) -> Path | None:
    """The checkpoint path of the next population of ``kind`` in the current :func:`step`
    (``None`` outside :func:`resumable`).

    The name is added to the folder's manifest before it is handed out, so :func:`clear` and a
    later sequence know the file as this module's.
    """
    slots = _ACTIVE.get()
    if slots is None:
        return None
    n = slots.kinds[kind] = slots.kinds.get(kind, 0) + 1
    name = f"{slots.step}-{kind}{'' if n == 1 else f'-{n}'}{SUFFIX}"
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
