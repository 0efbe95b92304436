"""Resumable procedures: while a folder is set, every population they train keeps a checkpoint.

Inside ``with resumable(folder, key):`` each call of :func:`next_checkpoint` names the next
engine checkpoint file in ``folder`` (``01_range.ckpt.npz``, ``02_arms.ckpt.npz``...). A
procedure that passes it to :func:`jaxscape.sweep` gets the engine's guarantee: the run's state
is written atomically as it goes, and the same call after an interruption resumes where it
stopped and ends with the numbers of an uninterrupted run; a finished population is read back
without training. A deterministic sequence of procedures (the recipe) thus resumes as a whole.

``key`` describes the whole sequence (problem, budgets, seeds, versions); it is kept in
``folder/run.json``, and a folder left by a different sequence is emptied first, so a file is
never matched to the wrong population by its position.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jaxscape._io import atomic_write_text

SUFFIX = ".ckpt.npz"
STAMP = "run.json"


@dataclass
class _Slots:
    folder: Path
    count: int = 0


_ACTIVE: ContextVar[_Slots | None] = ContextVar("jaxscape_tune_resume", default=None)


@contextmanager
def resumable(folder: str | os.PathLike, key: dict[str, Any]) -> Iterator[int]:
    """Keep the checkpoints of the populations trained inside the block in ``folder``.

    Yields the number of checkpoint files found from an earlier run of the same ``key``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = folder / STAMP
    text = json.dumps(key, sort_keys=True, default=str)
    if stamp.exists() and stamp.read_text(encoding="utf-8") != text:
        for old in folder.glob(f"*{SUFFIX}"):
            old.unlink()
    atomic_write_text(stamp, text)
    token = _ACTIVE.set(_Slots(folder))
    try:
        yield len(list(folder.glob(f"*{SUFFIX}")))
    finally:
        _ACTIVE.reset(token)


def next_checkpoint(kind: str) -> Path | None:
    """The checkpoint path of the next population (``None`` outside :func:`resumable`)."""
    slots = _ACTIVE.get()
    if slots is None:
        return None
    slots.count += 1
    return slots.folder / f"{slots.count:02d}_{kind}{SUFFIX}"


def clear(folder: str | os.PathLike) -> None:
    """Remove the checkpoints and the stamp that :func:`resumable` left in ``folder`` (and the
    folder when nothing else is in it)."""
    folder = Path(folder)
    if not folder.is_dir():
        return
    for f in [*folder.glob(f"*{SUFFIX}"), folder / STAMP]:
        f.unlink(missing_ok=True)
    if not any(folder.iterdir()):
        folder.rmdir()
