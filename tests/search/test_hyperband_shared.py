"""Hyperband on shared storage: each bracket runs once across processes; an abandoned bracket's
records are not in the result."""

import subprocess
import sys
import textwrap

import jax.numpy as jnp
import pytest

import jaxscape as js
from jaxscape import search
from jaxscape.search import Space

optuna = pytest.importorskip("optuna")

# R = 9, eta = 3: brackets of 9 -> 3 -> 1, 5 -> 1 and 3 configurations: 13 + 6 + 3 records
RECORDS = 22
SCRIPT = textwrap.dedent(
    """
    import sys, time
    import jax.numpy as jnp, jaxscape as js
    from jaxscape import search
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
    space = search.Space({"learning_rate": search.log_uniform(1e-3, 1.0)})
    training = js.Training(steps=9, progress=False, callback=lambda facts: time.sleep(0.3))
    res = search.hyperband(prob, space, training, eta=3, min_steps=1,
                           record=search.Record(storage=sys.argv[1]))
    print("records", res.n_trials)
    """
)


def _claims(url):
    study = optuna.load_study(study_name="hyperband", storage=url)
    claims = [t for t in study.trials if "hyperband_claim" in t.user_attrs]
    done = [t for t in claims if t.user_attrs.get("bracket_done")]
    records = [t for t in study.trials if "config" in t.user_attrs]
    return claims, done, records


def test_two_processes_run_each_bracket_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'hb.db'}"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=240) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-2000:]
        assert f"records {RECORDS}" in out  # each process returns the whole search
    _, done, records = _claims(url)
    assert sorted(t.user_attrs["hyperband_claim"] for t in done) == [0, 1, 2]
    assert len(records) == RECORDS  # no bracket trained twice
    keys = {(t.user_attrs["bracket"], t.user_attrs["rung"], t.user_attrs["index"]) for t in records}
    assert len(keys) == RECORDS


def test_an_abandoned_bracket_is_rerun_and_its_records_left_out(tmp_path):
    url = f"sqlite:///{tmp_path / 'hb.db'}"
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(3))
    space = Space({"learning_rate": search.log_uniform(1e-3, 1.0)})
    calls = []

    def stop_in_second_rung(facts):
        calls.append(facts)
        if len(calls) == 2:  # bracket 0's rung 0 (9 records) is written, rung 1 starts
            raise KeyboardInterrupt

    stopping = js.Training(steps=9, progress=False, callback=stop_in_second_rung)
    record = search.Record(storage=url)
    with pytest.raises(KeyboardInterrupt):
        search.hyperband(prob, space, stopping, eta=3, min_steps=1, record=record)
    claims, done, records = _claims(url)
    assert len(records) == 9 and not done
    assert claims[0].state == optuna.trial.TrialState.FAIL
    res = search.hyperband(prob, space, 9, eta=3, min_steps=1, record=record)
    assert res.n_trials == RECORDS
    assert int(((res.bracket == 0) & (res.rung == 0)).sum()) == 9
    _, done, records = _claims(url)
    assert len(records) == 9 + RECORDS and len(done) == 3
