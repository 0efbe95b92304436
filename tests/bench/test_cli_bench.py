"""``jaxscape bench optimizers|population`` end to end at tiny sizes: table and files."""

from __future__ import annotations

from jaxscape.bench import PopulationScaling, UpdateThroughput
from jaxscape.cli import main


def test_bench_optimizers_writes_table_json_csv_png(tmp_path, capsys):
    out = tmp_path / "opt"
    rc = main(["bench", "optimizers", "--optimizers", "sgd,optax.adam", "--sizes", "1K,2K",
               "--leaves", "4", "--variants", "tree,flat", "--repeats", "1", "--warmup", "0",
               "--out", str(out), "--quiet"])  # fmt: skip
    assert rc == 0
    assert {"optimizers.json", "optimizers.csv", "optimizers.png"} <= {
        p.name for p in out.iterdir()
    }
    res = UpdateThroughput.load(out)
    assert len(res.rows) == 2 * 2 * 2  # optimizers x sizes x variants
    text = capsys.readouterr().out
    assert "| optax.adam" in text and "device" in text


def test_bench_population_writes_table_json_csv_png(tmp_path, capsys):
    out = tmp_path / "pop"
    args = ["--model", "mlp", "--hidden", "8", "--max-trials", "2", "--steps", "3"]
    args += ["--batch-size", "16", "--no-loop", "--out", str(out), "--quiet"]
    rc = main(["bench", "population", *args])
    assert rc == 0
    assert {"population.json", "population.csv", "population.png"} <= {
        p.name for p in out.iterdir()
    }
    assert [r.trials for r in PopulationScaling.load(out).rows] == [1, 2]
    assert "trial-steps/s" in capsys.readouterr().out


def test_bench_reports_bad_names(tmp_path, capsys):
    rc = main(["bench", "optimizers", "--optimizers", "adam,bogus", "--out", str(tmp_path)])
    assert rc == 2
    assert "bogus" in capsys.readouterr().err
    rc = main(["bench", "population", "--optimizer", "bogus", "--out", str(tmp_path)])
    assert rc == 2
    assert "--optimizer" in capsys.readouterr().err
