"""The record lives in the study: an interrupted search resumes, two processes share a budget."""

import json
import subprocess
import sys
import textwrap

import jax.numpy as jnp
import pytest

import jaxscape as js
from jaxscape import search
from jaxscape.search import Space

optuna = pytest.importorskip("optuna")

SPACE = Space(
    {"learning_rate": search.log_uniform(1e-2, 1.0), "momentum": search.uniform(0.0, 0.9)}
)


def _prob():
    return js.Problem.from_loss(
        lambda p: 0.5 * jnp.sum(jnp.linspace(0.1, 1, 4) * p**2), jnp.ones(4)
    )


def test_interrupted_search_resumes_without_rerunning_trials(tmp_path):
    url = f"sqlite:///{tmp_path / 'search.db'}"
    evaluated, calls = [], []

    def interrupt_second_batch(facts):
        calls.append(1)
        if len(evaluated) == 2:  # the first batch (two trials) is told; stop in the second
            raise KeyboardInterrupt

    def note(recs):
        evaluated.extend(r["trial"] for r in recs)

    record = search.Record(storage=url, study_name="r", on_batch=note)
    kw = dict(budget=6, batch=2, record=record)
    stopping = js.Training(steps=6, progress=False, callback=interrupt_second_batch)
    with pytest.raises(KeyboardInterrupt):
        search.random_search(_prob(), SPACE, stopping, **kw)
    assert evaluated == [0, 1] and calls
    study = optuna.load_study(study_name="r", storage=url)
    states = [t.state for t in study.get_trials()]
    assert states.count(optuna.trial.TrialState.COMPLETE) == 2
    assert states.count(optuna.trial.TrialState.FAIL) == 2  # the interrupted batch
    first = {t.number: t.value for t in study.get_trials() if t.value is not None}

    evaluated.clear()
    res = search.random_search(_prob(), SPACE, 6, **kw)
    assert len(evaluated) == 4 and not set(evaluated) & {0, 1}  # only the missing four
    assert res.n_trials == 6 and set(first) <= set(res.trial.tolist())
    for n, v in first.items():
        assert res.scores[res.trial.tolist().index(n)] == pytest.approx(v)
    evaluated.clear()
    again = search.random_search(_prob(), SPACE, 6, **kw)  # finished: nothing runs
    assert evaluated == [] and again.trial.tolist() == res.trial.tolist()


def test_changed_settings_refuse_the_same_study(tmp_path):
    url = f"sqlite:///{tmp_path / 'search.db'}"
    record = search.Record(storage=url, study_name="x")
    search.random_search(_prob(), SPACE, 3, budget=1, record=record)
    with pytest.raises(ValueError, match="steps"):
        search.random_search(_prob(), SPACE, 4, budget=2, record=record)


WORKER = textwrap.dedent(
    """
    import json, sys
    import jax.numpy as jnp, jaxscape as js
    from jaxscape import search
    url, out = sys.argv[1], sys.argv[2]
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(jnp.linspace(0.1, 1, 4) * p**2),
                                jnp.ones(4))
    space = search.Space({"learning_rate": search.log_uniform(1e-2, 1.0),
                          "momentum": search.uniform(0.0, 0.9)})
    mine = []
    record = search.Record(storage=url, study_name="shared", test=False,
                           on_batch=lambda recs: mine.extend(r["trial"] for r in recs))
    search.random_search(prob, space, 40, budget=10, batch=2, record=record)
    json.dump(mine, open(out, "w"))
    """
)


def test_two_processes_share_one_budget_with_no_trial_run_twice(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    outs = [tmp_path / f"w{i}.json" for i in range(2)]
    procs = [subprocess.Popen([sys.executable, str(script), url, str(o)]) for o in outs]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    ran = [json.loads(o.read_text()) for o in outs]
    together = ran[0] + ran[1]
    assert len(together) == len(set(together)) == 10  # each trial ran once, the budget is met
    study = optuna.load_study(study_name="shared", storage=url)
    done = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert sorted(t.number for t in done) == sorted(together)
    configs = [json.dumps(t.user_attrs["config"], sort_keys=True) for t in done]
    assert len(set(configs)) == 10
