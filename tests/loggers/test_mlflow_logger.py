"""MLflowLogger round trip, read back with MLflow's own client."""

from __future__ import annotations

import numpy as np
from mlflow.tracking import MlflowClient

from jaxscape.loggers import MLflowLogger


def test_mlflow_round_trip(result, tmp_path, assert_curve, chunked):
    with MLflowLogger(tmp_path / "store", experiment="quadratic", config={"steps": 40}) as log:
        for event in chunked(result, 3):  # as a chunked engine hands them out
            log(event)
    assert log.tracking_uri == f"sqlite:///{(tmp_path / 'store' / 'mlflow.db').resolve()}"
    client = MlflowClient(log.tracking_uri)
    experiment = client.get_experiment_by_name("quadratic")
    runs = client.search_runs([experiment.experiment_id], max_results=100)
    parent = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == log.parent_id]
    assert [r.info.run_id for r in parent] == [log.parent_id]
    assert parent[0].data.tags["jaxscape.trials"] == str(result.n_trials)
    assert parent[0].data.params == {"steps": "40"}
    assert len(children) == result.n_trials
    for run in children:
        trial = int(run.data.tags["jaxscape.trial"])
        assert run.info.run_name == f"trial_{trial:04d}"
        diverged = bool(result.diverged[trial])
        assert run.info.status == ("FAILED" if diverged else "FINISHED")
        assert run.data.tags["jaxscape.diverged"] == str(diverged).lower()
        params = dict(run.data.params)
        assert params.pop("steps") == "40"
        assert params.keys() == result.hyperparams.keys()
        for name, text in params.items():
            np.testing.assert_allclose(float(text), result.hyperparams[name][trial], rtol=1e-6)
        for name in result.metrics:
            history = sorted(client.get_metric_history(run.info.run_id, name), key=lambda m: m.step)
            assert_curve([m.step for m in history], [m.value for m in history], result, name, trial)
