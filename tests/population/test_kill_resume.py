"""A sweep killed mid-run (SIGKILL) resumes in a new process to the numbers of an uninterrupted
run; a checkpoint refuses a sweep whose numbers would differ, naming what differs."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js

HERE = Path(__file__).resolve().parent
VARIANTS = ("plain", "partial", "closure")


def make_data(shift: float = 0.0) -> js.data.Dataset:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 5)).astype(np.float32)
    y = (x @ np.arange(1.0, 6.0) + 0.1 * rng.normal(size=96) + shift).astype(np.float32)
    return js.data.from_arrays(x, y, test_fraction=0.25, name="linear")


def make_problem(data: js.data.Dataset) -> js.Problem:
    def loss(p, batch):
        x, y = batch
        return jnp.mean((x @ p["w"] + p["b"] - y) ** 2)

    def init(key):
        return {"w": 0.1 * jax.random.normal(key, (5,)), "b": jnp.zeros(())}

    return js.Problem.from_loss(loss, init, data)


def inverse_time(rate: float):
    """A user's closure schedule: two of them differ only in the captured ``rate``."""
    return lambda step: rate / (1.0 + 0.05 * step)


def run_sweep(variant: str, data=None, rate: float = 0.05, **kw) -> js.SweepResult:
    """The sweep under test, three ways of giving the optimizer its settings."""
    prob = make_problem(data if data is not None else make_data())
    lrs = [0.01, 0.03, 0.05]
    if variant == "plain":
        opt, table = js.optim.sgd, {"learning_rate": lrs, "momentum": 0.9}
    elif variant == "partial":
        opt, table = functools.partial(js.optim.sgd, momentum=0.9), {"learning_rate": lrs}
    else:
        opt = js.optim.sgd
        table = {"learning_rate": inverse_time(rate), "momentum": [0.0, 0.5, 0.9]}
    kw.setdefault("chunk_size", 2)
    return js.sweep(prob, opt, table, steps=40, eval_every=5, batch_size=16, progress=False, **kw)


CHILD = """
import json, sys, threading
sys.path.insert(0, {here!r})
import numpy as np
from test_kill_resume import VARIANTS, run_sweep
folder, kill = sys.argv[1], sys.argv[2] == "kill"

def one(variant):
    calls = []
    def callback(info):
        calls.append(info)
        if kill and len(calls) == 10:  # 2nd call of the 2nd chunk: wait to be killed
            open(f"{{folder}}/{{variant}}.ready", "w").write("ready")
            threading.Event().wait()
    res = run_sweep(variant, checkpoint=f"{{folder}}/{{variant}}.ckpt.npz", checkpoint_every=0,
                    callback=callback)
    np.savez(f"{{folder}}/{{variant}}.out.npz", **res.metrics, diverged=res.diverged)
    json.dump(calls[0], open(f"{{folder}}/{{variant}}.first.json", "w"))

if kill:  # all three sweeps at once, so that one process is killed in the middle of each
    threads = [threading.Thread(target=one, args=(v,), daemon=True) for v in VARIANTS]
    [t.start() for t in threads]
    [t.join() for t in threads]
else:
    [one(v) for v in VARIANTS]
"""


def _child(folder: Path, mode: str) -> subprocess.Popen:
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    code = CHILD.format(here=str(HERE))
    return subprocess.Popen(
        [sys.executable, "-c", code, str(folder), mode],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkilled_sweeps_resume_in_a_new_process(tmp_path):
    """Three sweeps (plain optimizer, ``functools.partial`` optimizer, closure schedule) are
    killed with SIGKILL mid-run; a new process resumes each to the uninterrupted numbers."""
    killed = _child(tmp_path, "kill")
    deadline = time.monotonic() + 300
    while not all((tmp_path / f"{v}.ready").exists() for v in VARIANTS):
        if killed.poll() is not None:
            pytest.fail(f"the child ended before it was killed:\n{killed.stderr.read()[-3000:]}")
        if time.monotonic() > deadline:
            killed.kill()
            pytest.fail("the child never reached the kill point")
        time.sleep(0.05)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    assert killed.returncode == -signal.SIGKILL

    resumed = _child(tmp_path, "resume")
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err[-3000:]
    for variant in VARIANTS:
        first = json.loads((tmp_path / f"{variant}.first.json").read_text())
        # It resumed inside the second chunk (chunks of 2 trials: [0, 2) and [2, 3), 8 calls of
        # 5 steps each) at the call killed before its checkpoint: neither the first chunk nor
        # the call saved before the kill was redone.
        assert first["trials"] == [2, 3] and first["step"] == 10, (variant, first)
        reference = run_sweep(variant)
        got = np.load(tmp_path / f"{variant}.out.npz")
        for name, curve in reference.metrics.items():
            np.testing.assert_array_equal(got[name], curve, err_msg=f"{variant}: {name}")
        np.testing.assert_array_equal(got["diverged"], reference.diverged)


class Interrupt(Exception):
    pass


def _interrupted(variant: str, path: Path, after: int, **kw) -> None:
    calls = []

    def stop(info):
        calls.append(info)
        if len(calls) == after:
            raise Interrupt

    with pytest.raises(Interrupt):
        run_sweep(variant, checkpoint=path, checkpoint_every=0, callback=stop, **kw)


def test_a_changed_dataset_is_refused_naming_the_data(tmp_path):
    path = tmp_path / "ckpt.npz"
    _interrupted("plain", path, 3)
    with pytest.raises(ValueError, match=r"different sweep(.|\n)*train data") as err:
        run_sweep("plain", data=make_data(shift=1e-3), checkpoint=path)
    assert str(path) in str(err.value)


def test_another_closure_parameter_is_refused_naming_it(tmp_path):
    path = tmp_path / "ckpt.npz"
    _interrupted("closure", path, 3)
    with pytest.raises(ValueError, match=r"shared options(.|\n)*0\.05 -> 0\.06"):
        run_sweep("closure", rate=0.06, checkpoint=path)


def test_another_partial_argument_is_refused_naming_it(tmp_path):
    path = tmp_path / "ckpt.npz"
    _interrupted("partial", path, 3)
    with pytest.raises(ValueError, match=r"optimizer(.|\n)*momentum: 0\.9 -> 0\.8"):
        js.sweep(
            make_problem(make_data()),
            functools.partial(js.optim.sgd, momentum=0.8),
            {"learning_rate": [0.01, 0.03, 0.05]},
            steps=40,
            eval_every=5,
            batch_size=16,
            chunk_size=2,
            progress=False,
            checkpoint=path,
        )


def test_another_chunk_size_resumes_the_finished_trials(tmp_path):
    """Chunking is no part of a sweep's identity: a run re-cut into other chunks resumes, keeps
    the finished trials and restarts the interrupted chunk."""
    path = tmp_path / "ckpt.npz"
    # chunk_size=1 cuts 3 trials into chunks of 1, 8 calls each: trial 0 is finished, trial 1
    # in progress.
    _interrupted("plain", path, 10, chunk_size=1)
    calls = []
    resumed = run_sweep("plain", checkpoint=path, chunk_size=3, callback=calls.append)
    # One chunk of trials 1-2 now (8 calls of 5 steps), started afresh.
    assert calls[0]["trials"] == (1, 3) and calls[0]["step"] == 5
    reference = run_sweep("plain", chunk_size=1)
    for name, curve in reference.metrics.items():
        # chunking changes float rounding only (see test_independence.py)
        np.testing.assert_allclose(resumed.metrics[name], curve, rtol=1e-5, atol=1e-7)
