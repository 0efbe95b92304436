"""Every example of the studies runs with ``--quick`` and writes its pictures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CASES = {
    "optimizers_2d.py": ("race_ill_conditioned.png", "race_saddle.png"),
    "curvature.py": ("cost_surface.png", "quadratic_regimes.png"),
    "batch_size.py": ("batch_size.png",),
    "trained_landscape.py": ("trained_plane.png", "sharp_vs_flat.png"),
    "edge_of_stability.py": ("edge_of_stability.png",),
}


@pytest.mark.parametrize("script", list(CASES))
def test_example_runs_quick(script, tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in CASES[script]:
        assert (tmp_path / name).stat().st_size > 10_000, name
    if script == "curvature.py":
        # the printed regimes are classified from the iterates (slow / one step / ...)
        for regime in ("slow", "one_step", "oscillating", "diverging"):
            assert f": {regime}" in proc.stdout
    elif script == "trained_landscape.py":
        assert "jaxscape landscape --model mlp" in proc.stdout and "at the centre" in proc.stdout
    elif script == "optimizers_2d.py":
        assert "escaped the saddle" in proc.stdout
