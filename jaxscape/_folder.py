"""Write a folder of result files as one unit: the old save or the new one, never a mix.

:func:`write_folder` fills a new hidden sibling folder, then swaps it in with two renames (the
old folder aside, the new one into place) and removes the old one. An exception while writing
leaves the existing folder untouched. Files of an earlier save that the new one does not write
(``params.npz`` of a save with parameters, then one without) disappear with the old folder;
entries that are not the writer's own (``owned``: plots, a user's notes) are carried over by
hard link (a copy where links are not supported), so saving never deletes them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Collection
from pathlib import Path


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _carry_over(old: Path, new: Path, owned: Collection[str]) -> None:
    """Link every entry of ``old`` that is not in ``owned`` (and not written anew) into ``new``."""
    for entry in old.iterdir():
        if entry.name in owned or (new / entry.name).exists():
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, new / entry.name, symlinks=True, copy_function=_link_or_copy)
        elif entry.is_symlink():
            os.symlink(os.readlink(entry), new / entry.name)
        else:
            _link_or_copy(os.fspath(entry), os.fspath(new / entry.name))


def write_folder(
    path: str | os.PathLike, write: Callable[[Path], None], owned: Collection[str]
) -> Path:
    """Call ``write(tmp)`` on a new empty folder, then make it ``path`` in one swap.

    Args:
      path: the folder to create or replace.
      write: fills the folder it is given (every file the save consists of).
      owned: names of the entries a save consists of; an existing ``path``'s other entries are
        kept in the new folder.

    Returns:
      ``path`` as a :class:`~pathlib.Path`.

    Raises:
      NotADirectoryError: ``path`` exists and is not a folder.

    Between the two renames ``path`` is briefly absent; a process killed exactly then leaves
    the previous save beside it as ``.NAME.old-*``.

    Example:
      >>> import tempfile, pathlib
      >>> root = pathlib.Path(tempfile.mkdtemp())
      >>> _ = write_folder(root / "r", lambda d: (d / "a.txt").write_text("1"), {"a.txt", "b.txt"})
      >>> _ = write_folder(root / "r", lambda d: (d / "b.txt").write_text("2"), {"a.txt", "b.txt"})
      >>> sorted(p.name for p in (root / "r").iterdir())   # a.txt of the first save is gone
      ['b.txt']
    """
    given = Path(path)
    folder = given.absolute()  # ``.`` or ``out/`` get a name to rename to
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{given} exists and is not a folder")
    parent = folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.new-", dir=parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # what mkdir would give (mkdtemp makes it 0o700)
        write(tmp)
        if folder.is_dir():
            _carry_over(folder, tmp, owned)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not folder.exists():
        os.rename(tmp, folder)
        return given
    old = parent / f".{folder.name}.old-{uuid.uuid4().hex[:12]}"
    os.rename(folder, old)
    try:
        os.rename(tmp, folder)
    except BaseException:
        os.rename(old, folder)
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return given
