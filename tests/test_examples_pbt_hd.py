"""The PBT and hypergradient examples run with ``--quick`` and write their figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(script: str, out: Path) -> str:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.parametrize("script", ["pbt.py", "hypergradient.py"])
def test_example_runs_quick(script, tmp_path):
    stdout = _run(script, tmp_path)
    png = tmp_path / script.replace(".py", ".png")
    assert png.stat().st_size > 10_000
    if script == "pbt.py":
        for name in ("random", "PBT", "replay"):
            assert re.search(rf"{name}.*val loss \d\.\d+", stdout), name
    else:
        for name in ("SGD", "SGD-HD"):
            assert re.search(rf"{name}: \d+% train well", stdout), name
        lo, hi = map(float, re.search(r"final rates: (\S+) \.\. (\S+)", stdout).groups())
        assert 0 < lo <= hi  # the learned rates of every α0 are positive after 100 steps
