"""``jaxscape search`` writes its files, prints the test score once, and resumes from its study."""

import pytest

import jaxscape.search._evaluate as ev
from jaxscape.cli import main

pytest.importorskip("optuna")

SPACE = """
[learning_rate]
log_uniform = [1e-2, 1.0]
[momentum]
reverse_log_uniform = [0.5, 0.95]
"""


def test_cli_search_writes_its_files_and_resumes(tmp_path, capsys, monkeypatch):
    space = tmp_path / "space.toml"
    space.write_text(SPACE)
    out = tmp_path / "out"
    argv = [
        "search",
        "--space",
        str(space),
        "--strategy",
        "random",
        "--budget",
        "3",
        "--batch",
        "3",
        "--steps",
        "6",
        "--hidden",
        "8",
        "--out",
        str(out),
        "--quiet",
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "best configuration" in text and text.count("test_accuracy (evaluated once") == 1
    for name in (
        "search.db",
        "incumbent.png",
        "slices.png",
        "heatmap.png",
        "report.html",
        "result/trials.csv",
        "result/search.json",
        "result/arrays.npz",
    ):
        assert (out / name).is_file(), name
    html = (out / "report.html").read_text()
    assert "Best configuration" in html and "data:image/png;base64" in html
    rows = (out / "result" / "trials.csv").read_text().strip().splitlines()
    assert len(rows) == 1 + 3
    # the same command again: the budget is met; nothing is trained or tested again
    calls = []
    monkeypatch.setattr(ev, "sweep", lambda *a, **k: calls.append(1))
    assert main(argv) == 0
    assert calls == [] and capsys.readouterr().out.endswith(text.split("best configuration")[-1])
    assert (out / "result" / "trials.csv").read_text().strip().splitlines() == rows


def test_cli_search_rejects_a_bad_space(tmp_path, capsys):
    space = tmp_path / "space.toml"
    space.write_text("[optimizer.choice.sgd.rho]\nuniform = [0.1, 0.9]\n[optimizer.choice.adam]\n")
    code = main(["search", "--space", str(space), "--out", str(tmp_path / "o"), "--quiet"])
    assert code == 2 and "'rho'" in capsys.readouterr().err
