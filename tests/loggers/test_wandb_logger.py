"""WandbLogger round trip, read back from W&B's offline run files (its own record protos)."""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path

import numpy as np
from wandb.proto import wandb_internal_pb2

from jaxscape.loggers import WandbLogger

BLOCK = 32768  # the LevelDB log format of a .wandb file: 32 KiB blocks of framed records
HEADER = 7  # ":W&B", magic 0xBEE1, version 0 at the start; crc32c, length, type per record


def read_records(path: Path) -> list:
    """Every ``wandb_internal_pb2.Record`` of an offline ``run-*.wandb`` file, in order."""
    data = path.read_bytes()
    assert data[:4] == b":W&B" and struct.unpack("<HB", data[4:7]) == (0xBEE1, 0)
    records, pos, chunks = [], HEADER, b""
    while pos + HEADER <= len(data):
        if BLOCK - pos % BLOCK < HEADER:  # block tail too short for a header: padding
            pos += BLOCK - pos % BLOCK
            continue
        _, length, kind = struct.unpack("<IHB", data[pos : pos + HEADER])
        chunks += data[pos + HEADER : pos + HEADER + length]
        pos += HEADER + length
        if kind in (1, 4):  # FULL, LAST
            records.append(wandb_internal_pb2.Record.FromString(chunks))
            chunks = b""
    return records


def read_run(folder: Path, wait_s: float = 30.0) -> dict:
    """``{"name", "group", "config", "history": [{key: value}], "summary", "exit_code"}``.

    W&B's offline files are written by its service process; on a loaded machine the last
    records may land a moment after ``finish`` returns, so read until the run's record and its
    exit are there (at most ``wait_s``)."""
    deadline = time.monotonic() + wait_s
    while True:
        out = _read_run_once(folder)
        if ("name" in out and "exit_code" in out) or time.monotonic() > deadline:
            return out
        time.sleep(0.5)


def _read_run_once(folder: Path) -> dict:
    out: dict = {"history": [], "summary": {}, "config": {}}
    for record in read_records(next(folder.glob("run-*.wandb"))):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            out["name"], out["group"] = record.run.display_name, record.run.run_group
            for item in record.run.config.update:
                out["config"][item.key] = json.loads(item.value_json)
        elif kind == "history":
            out["history"].append({_key(i): json.loads(i.value_json) for i in record.history.item})
        elif kind == "summary":
            out["summary"].update(
                {_key(i): json.loads(i.value_json) for i in record.summary.update}
            )
        elif kind == "exit":
            out["exit_code"] = record.exit.exit_code
    return out


def _key(item) -> str:
    return item.key or "/".join(item.nested_key)


def _number(v) -> float:
    return float("nan") if v in ("NaN", None) else float(v)


def test_wandb_round_trip(result, tmp_path, assert_curve, chunked):
    with WandbLogger(
        project="quadratic", dir=tmp_path, group="g1", config={"optimizer": "sgd"}
    ) as log:
        for event in chunked(result, 3):  # as a chunked engine hands them out
            log(event)
    folders = sorted((tmp_path / "wandb").glob("offline-run-*"))
    assert len(folders) == result.n_trials
    runs = {r["name"]: r for r in map(read_run, folders)}
    for trial in range(result.n_trials):
        run = runs[f"trial_{trial:04d}"]
        assert run["group"] == "g1"
        config = {k: v for k, v in run["config"].items() if not k.startswith("_")}
        assert (config.pop("trial"), config.pop("optimizer")) == (trial, "sgd")
        assert config.keys() == result.hyperparams.keys()
        for name, value in config.items():
            np.testing.assert_allclose(value, result.hyperparams[name][trial], rtol=1e-6)
        for name in result.metrics:
            rows = [h for h in run["history"] if name in h]
            values = [_number(h[name]) for h in rows]
            assert_curve([h["_step"] for h in rows], values, result, name, trial)
        assert run["exit_code"] == int(result.diverged[trial])
        assert run["summary"]["diverged"] == bool(result.diverged[trial])
