"""The README's Python example runs as written (in a temporary folder)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no python example"
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), scope)  # our own README
    res, line = scope["res"], scope["line"]
    assert res.metrics["test_accuracy"].shape == (256, 10)
    assert res.best()["test_accuracy"] > 0.9  # digits are easy for the best of 256 rates
    assert line.metrics["train_loss"].shape == (201,)
    assert np.isfinite(line.metrics["train_loss"]).all()
    for name in ("out/sweep/sweep.json", "final.png", "line.png"):
        assert (tmp_path / name).is_file()
