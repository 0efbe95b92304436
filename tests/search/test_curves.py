"""Every search reports each trial's learning curve to the study (optuna-dashboard draws it)."""

import numpy as np
import pytest

import jaxscape as js
from jaxscape import search
from jaxscape.search import Space

optuna = pytest.importorskip("optuna")

SPACE = Space({"learning_rate": search.log_uniform(1e-2, 1.0)})


@pytest.fixture(scope="module")
def prob():
    return js.Problem.from_model(js.models.LogisticRegression(), js.data.digits())


def test_random_search_curves_are_intermediate_values(prob, tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    training = js.Training(steps=10, eval_every=5, batch_size=64, progress=False)
    record = search.Record(storage=url, study_name="c", test=False)
    res = search.random_search(prob, SPACE, training, budget=2, record=record)
    study = optuna.load_study(study_name="c", storage=url)
    for i, n in enumerate(res.trial.tolist()):
        got = study.trials[n].intermediate_values
        direct = js.sweep(
            prob,
            js.optim.sgd,
            {"learning_rate": [res.configs[i]["learning_rate"]]},
            steps=10,
            eval_every=5,
            batch_size=64,
            progress=False,
        )
        assert sorted(got) == [5, 10]
        np.testing.assert_allclose([got[5], got[10]], direct.metrics["val_accuracy"][0], rtol=1e-6)
        assert got[10] == res.metrics["val_accuracy"][i] == study.trials[n].value


def test_hyperband_reports_a_survivors_value_at_every_rung(prob, tmp_path):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    record = search.Record(storage=url, test=False)
    training = js.Training(steps=9, batch_size=64, progress=False)
    res = search.hyperband(prob, SPACE, training, min_steps=1, brackets=[0], record=record)
    study = optuna.load_study(study_name="hyperband", storage=url)
    last = int(np.flatnonzero(res.rung == 2)[0])
    config = res.configs[last]
    path = [
        j for j in range(res.n_trials) if res.configs[j] == config
    ]  # the same configuration at rungs 0, 1, 2
    assert res.rung[path].tolist() == [0, 1, 2]
    curve = study.trials[int(res.trial[last])].intermediate_values
    assert sorted(curve) == [1, 3, 9]
    np.testing.assert_allclose(
        [curve[1], curve[3], curve[9]], res.metrics["val_accuracy"][path], rtol=1e-12
    )
