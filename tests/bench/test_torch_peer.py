"""torch.optim peers timed in a child process that never imports JAX.

Byte counts are checked against the hand counts of ``test_bytes.py`` (torch keeps one float32
``step`` tensor per parameter tensor: a scalar entry per leaf); failures of the child must be
a clear error carrying its stderr.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest
from test_bytes import P, hand

from jaxscape.bench import update_throughput
from jaxscape.bench._torch_peer import child_environment, run_torch_group
from jaxscape.cli import main

HAS_TORCH = importlib.util.find_spec("torch") is not None
SPEC = {"total": P, "sizes": [600, 400], "dtype": "float32", "lr": 1e-3, "warmup": 0,
        "repeats": 2}  # fmt: skip
FAST = {"repeats": 1, "warmup": 0, "progress": False}


def _job(key, cls, variant, **kwargs):
    return {"key": key, "cls": cls, "kwargs": kwargs, "variant": variant}


@pytest.mark.skipif(not HAS_TORCH, reason="torch not installed")
def test_child_rows_match_hand_counts_and_never_load_jax():
    jobs = [
        _job("adam/foreach", "Adam", "foreach"),
        _job("adam/fused", "Adam", "fused"),
        _job("sgd/foreach", "SGD", "foreach"),
        _job("momentum/foreach", "SGD", "foreach", momentum=0.9),
    ]
    answer = run_torch_group({**SPEC, "jobs": jobs})
    assert answer["jax_loaded"] is False
    assert set(answer["copies"]) == {"torch copy_", "torch add_ (in place)"}
    # adam: m, v and a step tensor per leaf (2 leaves); sgd: stateless; momentum: one buffer
    expected = {"adam/foreach": hand(2, 2), "adam/fused": hand(2, 2), "sgd/foreach": hand(0, 0),
                "momentum/foreach": hand(1, 0)}  # fmt: skip
    got = {j["key"]: j for j in answer["jobs"]}
    assert set(got) == set(expected)
    for key, moved in expected.items():
        job = got[key]
        if "error" in job:  # a variant torch lacks on this device is reported, not raised
            assert key.endswith("fused") and job["error"]
            continue
        assert job["params_bytes"] == 4 * P
        assert 2 * (2 * job["params_bytes"] + job["state_bytes"]) - 4 * P == moved
        t = job["timing"]
        assert t["repeats"] == 2 and 0 < t["minimum"] <= t["median"] <= t["maximum"]


def _plant(tmp_path, name: str, body: str):
    script = tmp_path / name
    script.write_text(body)
    return script


def test_a_failing_child_is_a_clear_error_with_its_stderr(tmp_path, monkeypatch):
    body = "import sys\nsys.stderr.write('boom: planted failure')\nsys.exit(3)"
    crash = _plant(tmp_path, "crash.py", body)
    with pytest.raises(RuntimeError, match=r"(?s)exit code 3.*boom: planted failure"):
        run_torch_group({**SPEC, "jobs": []}, script=crash)
    garbage = _plant(tmp_path, "garbage.py", "print('not json')")
    with pytest.raises(RuntimeError, match="torch peer process failed"):
        run_torch_group({**SPEC, "jobs": []}, script=garbage)
    # through update_throughput: the error reaches the caller, no half-filled result
    monkeypatch.setattr(sys.modules["jaxscape.bench._torch_peer"], "SCRIPT", crash)
    real = importlib.util.find_spec  # as if torch were installed: the child is started
    fake = lambda name, *a: object() if name == "torch" else real(name, *a)
    monkeypatch.setattr(importlib.util, "find_spec", fake)
    with pytest.raises(RuntimeError, match="boom: planted failure"):
        update_throughput(["sgd"], [P], leaves=2, variants=["flat"], torch_peers=True, **FAST)


def test_torch_missing_is_a_note_not_a_crash(tmp_path, monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    out = tmp_path / "opt"
    rc = main(["bench", "optimizers", "--optimizers", "sgd", "--sizes", "1K", "--leaves", "2",
               "--variants", "flat", "--repeats", "1", "--warmup", "0", "--torch",
               "--out", str(out), "--quiet"])  # fmt: skip
    assert rc == 0
    assert "torch is not installed" in capsys.readouterr().out


def test_the_child_inherits_and_records_the_thread_settings(tmp_path, monkeypatch):
    # torch's OpenMP wait policy decides its figures on a shared CPU: it must reach the child
    echo = _plant(tmp_path, "echo.py", "import json, os\nprint(json.dumps(dict(os.environ)))")
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    assert run_torch_group({}, script=echo)["OMP_WAIT_POLICY"] == "PASSIVE"
    assert "OMP_WAIT_POLICY=PASSIVE" in child_environment()
