"""``update_throughput``: checks before timing, skips over the memory budget, result files."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys

import optax
import pytest

import jaxscape.optim as jo
from jaxscape.bench import UpdateThroughput, update_throughput

FAST = {"repeats": 1, "warmup": 0, "progress": False}


def test_a_size_over_the_memory_budget_is_skipped_with_its_note():
    # adam, 1 leaf, float32: 1000 params hold p, g, m, v = 16 KB; 100K hold 1.6 MB.
    res = update_throughput(["adam"], [1000, 100_000], leaves=1, variants=["flat"],
                            memory_budget=200_000, **FAST)  # fmt: skip
    small, big = res.rows
    assert small.params == 1000 and small.ms is not None and small.note == ""
    assert big.params == 100_000 and big.ms is None and big.gb_per_s is None
    assert "skipped" in big.note and "budget" in big.note
    assert any("100K" in n and "skipped" in n for n in res.notes)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"transformations": ["adam", "nope"]}, ValueError, "unknown optimizer 'nope'"),
        ({"transformations": {"mine": 3}}, TypeError, r"transformations\['mine'\]"),
        ({"transformations": {"mine": lambda: 3}}, TypeError, "GradientTransformation"),
        ({"sizes": ["12Q"]}, ValueError, "sizes"),
        ({"sizes": [50], "leaves": 100}, ValueError, "smaller than leaves"),
        ({"variants": ["fused"]}, ValueError, "variants"),
        ({"dtype": "int32"}, ValueError, "floating"),
        ({"repeats": 0}, ValueError, "repeats"),
    ],
)
def test_bad_input_is_a_clear_error_before_anything_is_timed(kwargs, error, match, monkeypatch):
    mod = sys.modules["jaxscape.bench.update_throughput"]  # the module, not the function

    def fail(*a, **k):
        raise AssertionError("timed before the arguments were checked")

    monkeypatch.setattr(mod, "measure_interleaved", fail)
    args = {"transformations": ["adam"], "sizes": [1000], **FAST, **kwargs}
    with pytest.raises(error, match=match):
        update_throughput(args.pop("transformations"), args.pop("sizes"), **args)


def test_rows_cover_every_variant_and_count_bytes(tmp_path):
    res = update_throughput({"adam": None, "mine": jo.sgd(0.1)}, [1200], leaves=3, **FAST)
    got = {(r.optimizer, r.variant): r for r in res.rows}
    assert set(got) == {(n, v) for n in ("adam", "mine") for v in ("tree", "donated", "flat")}
    assert got["adam", "tree"].bytes_moved == 28 * 1200 + 8  # p, g, m, v read; p, m, v written
    assert got["adam", "tree"].leaves == 3 and got["adam", "flat"].leaves == 1
    for r in res.rows:
        assert r.ms_min <= r.ms <= r.ms_max
        assert r.params_per_s == pytest.approx(1200 / (r.ms / 1e3))
        assert r.fraction == pytest.approx(r.gb_per_s / r.copy_gb_per_s)
    assert {"device", "jax", "date", "optax"} <= set(res.environment)
    # result protocol: save/load round trip, dataframe, figure, summary
    res.save(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} >= {"optimizers.json", "optimizers.csv"}
    assert UpdateThroughput.load(tmp_path) == res
    assert len((tmp_path / "optimizers.csv").read_text().splitlines()) == 1 + len(res.rows)
    assert len(res.to_dataframe()) == len(res.rows)
    res.plot(tmp_path / "optimizers.png")
    assert (tmp_path / "optimizers.png").stat().st_size > 0
    assert "| adam" in res.summary()
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.rows[0].ms = 0.0


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch not installed")
def test_torch_peers_foreach_and_fused_beside_ours():
    res = update_throughput(["adam", "optax.adam"], [1000], leaves=2, variants=["flat"],
                            torch_peers=True, **FAST)  # fmt: skip
    rows = {(r.optimizer, r.variant): r for r in res.rows}
    assert set(rows) == {("adam", "flat"), ("optax.adam", "flat"),
                         ("torch.adam", "foreach"), ("torch.adam", "fused")}  # fmt: skip
    foreach = rows["torch.adam", "foreach"]
    # torch keeps exp_avg, exp_avg_sq and a float32 step tensor per parameter tensor
    assert foreach.bytes_moved == 28 * 1000 + 2 * 2 * 4 and foreach.leaves == 2
    assert foreach.ms is not None or foreach.note.startswith("unavailable")


def test_a_transformation_factory_and_optax_name_are_accepted():
    res = update_throughput({"f": lambda: optax.sgd(0.1)}, ["2K"], leaves=1, variants=["tree"],
                            **FAST)  # fmt: skip
    (row,) = res.rows
    assert row.params == 2000 and row.bytes_moved == 12 * 2000  # stateless: p, g read; p written
