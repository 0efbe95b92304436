"""Fixtures of the CLI tests: the user's own code as an importable module."""

from __future__ import annotations

import sys
import textwrap

import pytest


@pytest.fixture()
def user_code(tmp_path, monkeypatch):
    """``write(name, source) -> name``: module ``name`` importable from ``tmp_path`` (on
    ``sys.path``, and the working directory), forgotten by ``sys.modules`` afterwards."""
    written: list[str] = []

    def write(name: str, source: str) -> str:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        written.append(name)
        return name

    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    yield write
    for name in written:
        sys.modules.pop(name, None)
