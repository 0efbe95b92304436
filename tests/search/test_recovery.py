"""A process killed while its trials train: another process sharing the study runs those
configurations again and meets the budget, each configuration once."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

optuna = pytest.importorskip("optuna")

#: What both workers share: the study's storage (heartbeats, retry of stale trials), the
#: problem, the space, and a callback that makes the "slow" worker slow.
PREAMBLE = textwrap.dedent(
    """
    import sys, time
    import jax.numpy as jnp, jaxscape as js, optuna
    from jaxscape import search
    from jaxscape.search import _optuna as O
    url, slow = sys.argv[1], sys.argv[2] == "slow"
    storage = O._retry(lambda: optuna.storages.RDBStorage(  # the test reads the file meanwhile
        url, heartbeat_interval=1, grace_period=4,
        heartbeat_stale_trial_callback=O.retry_callback(),
        engine_kwargs={"connect_args": {"timeout": 60}},
    ))
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
    space = search.Space({"learning_rate": search.log_uniform(1e-3, 1.0)})
    wait = (lambda facts: time.sleep(1.0)) if slow else None
    """
)

WORKER = PREAMBLE + textwrap.dedent(
    """
    training = js.Training(steps=20, eval_every=1, progress=False, callback=wait)
    res = search.random_search(prob, space, training, budget=6, batch=2,
                               record=search.Record(storage=storage, study_name="s", test=False))
    print("trials", res.n_trials)
    """
)


def _trials(url):
    return optuna.load_study(study_name="s", storage=url).get_trials()


def test_a_killed_processs_trials_are_run_again_by_the_others(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    slow = subprocess.Popen([sys.executable, str(script), url, "slow"])
    deadline = time.monotonic() + 60
    running = []
    while not running and time.monotonic() < deadline:
        time.sleep(0.5)
        if (tmp_path / "s.db").exists():
            try:
                trials = _trials(url)
                running = [t for t in trials if t.state.name == "RUNNING"]
                if any("config" not in t.user_attrs for t in running):
                    running = []  # asked, not yet proposed: wait until they train
            except Exception:  # the study is being created
                running = []
    assert running, "the slow worker never started its trials"
    os.kill(slow.pid, signal.SIGKILL)
    slow.wait()
    killed = {json.dumps(t.user_attrs["config"], sort_keys=True) for t in running}
    other = subprocess.run(
        [sys.executable, str(script), url, "fast"], capture_output=True, text=True, timeout=120
    )
    assert other.returncode == 0, other.stderr[-2000:]
    assert "trials 6" in other.stdout  # the budget is met
    trials = _trials(url)
    done = [t for t in trials if t.state.name == "COMPLETE"]
    configs = [json.dumps(t.user_attrs["config"], sort_keys=True) for t in done]
    assert len(done) == 6 and len(set(configs)) == 6  # none run twice
    assert killed <= set(configs)  # the killed process's configurations were run again
    assert all(t.state.name != "RUNNING" for t in trials)


HB_WORKER = PREAMBLE + textwrap.dedent(
    """
    training = js.Training(steps=9, progress=False, callback=wait)
    res = search.hyperband(prob, space, training, min_steps=1, brackets=[0],
                           record=search.Record(storage=storage, test=False))
    print("records", res.n_trials)
    """
)


def test_a_killed_processs_bracket_is_run_again_and_its_records_left_out(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    script = tmp_path / "hb.py"
    script.write_text(HB_WORKER)
    slow = subprocess.Popen([sys.executable, str(script), url, "slow"])
    deadline, records = time.monotonic() + 60, []
    while len(records) < 9 and time.monotonic() < deadline:  # rung 0 told, rung 1 training
        time.sleep(0.5)
        try:
            trials = optuna.load_study(study_name="hyperband", storage=url).get_trials()
        except Exception:
            continue
        records = [t for t in trials if t.state.name == "COMPLETE" and "config" in t.user_attrs]
    assert len(records) == 9, "the slow worker never finished its first rung"
    os.kill(slow.pid, signal.SIGKILL)
    slow.wait()
    other = subprocess.run(
        [sys.executable, str(script), url, "fast"], capture_output=True, text=True, timeout=120
    )
    assert other.returncode == 0, other.stderr[-2000:]
    assert "records 13" in other.stdout  # 9 + 3 + 1: the rerun only, not the abandoned rung
    trials = optuna.load_study(study_name="hyperband", storage=url).get_trials()
    claims = [t for t in trials if "hyperband_claim" in t.user_attrs]
    assert [t.state.name for t in claims] == ["FAIL", "PRUNED"]  # killed, then finished
    assert sum("config" in t.user_attrs for t in trials) == 9 + 13
