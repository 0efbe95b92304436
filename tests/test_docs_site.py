"""The documentation site (``docs/``, Sphinx) builds with warnings as errors, and every example
on its pages runs and prints what the page says it prints."""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", flags=re.S | re.M)


def _pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def _python_blocks(page: Path) -> list[tuple[int, str]]:
    """``(line, text)`` of each fenced ``python``/``pycon`` block (line: 0-based, in the page)."""
    text = page.read_text()
    return [
        (text.count("\n", 0, m.start(2)), m.group(2))
        for m in FENCE.finditer(text)
        if m.group(1) in ("python", "pycon")
    ]


def test_site_builds_with_warnings_as_errors(tmp_path):
    """``sphinx-build -W``: a malformed docstring, a broken page link or a missing image fails."""
    html = tmp_path / "html"
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    cmd += ["-d", str(tmp_path / "doctrees"), str(DOCS), str(html)]
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "MPLBACKEND": "Agg"}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"sphinx-build -W failed:\n{proc.stderr[-6000:]}"
    # The reference is generated from the docstrings: sgd's page holds its update rule.
    optim = (html / "api" / "optim.html").read_text()
    assert 'id="jaxscape.optim.sgd"' in optim and 'class="math' in optim
    for page in ("index", "gallery", "design-notes", "benchmarks", "howto/recipe"):
        assert (html / f"{page}.html").is_file(), page
    # benchmarks/RESULTS.md is included, not copied
    first_table = next(
        ln
        for ln in (ROOT / "benchmarks/RESULTS.md").read_text().splitlines()
        if ln.startswith("## ")
    )
    assert first_table[3:].split("—")[0].strip() in (html / "benchmarks.html").read_text()


@pytest.mark.parametrize(
    "page", [p for p in _pages() if _python_blocks(p)], ids=lambda p: str(p.relative_to(DOCS))
)
def test_page_examples_run(page, tmp_path, monkeypatch):
    """The ``>>>`` examples of a page run in order, sharing one namespace, as doctests."""
    blocks = _python_blocks(page)
    not_doctests = [b.splitlines()[0] for _, b in blocks if ">>>" not in b]
    assert not not_doctests, f"python blocks without >>> examples (never run): {not_doctests}"
    monkeypatch.chdir(tmp_path)  # an example that writes files writes them here
    name, globs = str(page.relative_to(ROOT)), {}
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for line, block in blocks:
        test = doctest.DocTestParser().get_doctest(block, globs, name, str(page), line)
        runner.run(test, out=report.append, clear_globs=False)
        globs = test.globs  # a DocTest copies its namespace; the next block continues this one
    assert runner.failures == 0, "".join(report)


def test_every_command_and_public_package_has_a_page():
    """A how-to per ``jaxscape`` subcommand and an API page per public package."""
    from jaxscape.cli import SUBCOMMANDS

    missing = [f"howto/{c}.md" for c in SUBCOMMANDS if not (DOCS / "howto" / f"{c}.md").is_file()]
    packages = ["jaxscape"] + [
        p.name
        for p in (ROOT / "jaxscape").iterdir()
        if (p / "__init__.py").is_file() and not p.name.startswith("_") and p.name != "cli"
    ]
    missing += [f"api/{p}.md" for p in packages if not (DOCS / "api" / f"{p}.md").is_file()]
    assert not missing, f"pages missing from docs/: {missing}"
