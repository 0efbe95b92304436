"""MLflow: one parent run for the sweep, one nested child run per trial.

What MLflow shows best is a table of runs with their parameters and metrics as columns, and
the Compare view (parallel coordinates, scatter and contour plots of parameters against
metrics, curves of several runs overlaid). So each trial is a run of its own — its
hyperparameters as *params*, its metrics logged with their step (the curves) — nested under one
parent run per sweep, which the UI folds into a single expandable row: the sweep stays one
line of the experiment, and its trials compare like any other runs. A diverged trial ends
with status ``FAILED`` and the tag ``jaxscape.diverged=true``; the runs of an interrupted sweep
(an exception leaving the logger's ``with`` block) end as ``KILLED``.

The store: by default MLflow's own (``MLFLOW_TRACKING_URI``, else ``sqlite:///mlflow.db`` in
the working folder — MLflow 3 put the ``./mlruns`` file store into maintenance mode), so
``mlflow ui`` started in the same folder shows the sweep. A folder gives a SQLite store
``FOLDER/mlflow.db`` in it; any other tracking URI (``http://host:5000``, ``sqlite:///x.db``,
``file:./mlruns``) is used as given. Everything goes through ``MlflowClient`` with explicit
run ids: no active-run state is touched, so a logger can run beside the user's own
``mlflow.start_run``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from jaxscape.loggers._base import Logger, require, run_name
from jaxscape.population.record import RecordEvent

__all__ = ["MLflowLogger", "resolve_uri"]

_SCHEMES = ("file:", "sqlite:", "http:", "https:", "databricks", "postgresql", "mysql", "mssql")


def resolve_uri(where: str | os.PathLike | None) -> str:
    """The MLflow tracking URI of ``where``: MLflow's default for ``None``, a URI as given, a
    ``.db`` file or a folder (``FOLDER/mlflow.db``) as a local SQLite store."""
    mlflow = require("mlflow", "mlflow", "MLflowLogger")
    if where is None:
        return mlflow.get_tracking_uri()
    text = os.fspath(where)
    if text.startswith(_SCHEMES) or "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    if path.suffix != ".db":
        path.mkdir(parents=True, exist_ok=True)
        path = path / "mlflow.db"
    return f"sqlite:///{path}"


class MLflowLogger(Logger):
    """Log a sweep to MLflow: a parent run, a nested run per trial with params and metrics.

    Args:
      tracking_uri: where to log (see :func:`resolve_uri`): ``None`` for MLflow's default,
        a folder, a ``.db`` file, or a tracking URI.
      experiment: the experiment's name (created if missing).
      run_name: the parent run's name.
      config: the sweep's shared settings (``{"optimizer": "sgd"}``): params of the parent
        run, and of every trial's run beside its hyperparameters.

    Needs ``pip install 'jaxscape[mlflow]'`` (mlflow-skinny with SQLAlchemy for the local
    store; the full ``mlflow`` package for ``mlflow ui``).

    Example (as in ``tests/loggers/test_mlflow_logger.py``)::

      with MLflowLogger("runs") as log:  # a SQLite store runs/mlflow.db
          js.sweep(prob, js.optim.sgd, table, steps=500, on_record=log)
      # mlflow ui --backend-store-uri sqlite:///runs/mlflow.db
    """

    def __init__(
        self,
        tracking_uri: str | os.PathLike | None = None,
        experiment: str = "jaxscape",
        run_name: str = "sweep",
        config: Mapping[str, Any] | None = None,
    ) -> None:
        tracking = require("mlflow.tracking", "mlflow", "MLflowLogger")
        self._entities = require("mlflow.entities", "mlflow", "MLflowLogger")
        self.tracking_uri = resolve_uri(tracking_uri)
        self.client = tracking.MlflowClient(self.tracking_uri)
        found = self.client.get_experiment_by_name(experiment)
        self.experiment_id = (
            found.experiment_id if found else self.client.create_experiment(experiment)
        )
        parent = self.client.create_run(
            self.experiment_id, run_name=run_name, tags={"jaxscape.kind": "sweep"}
        )
        self.parent_id: str = parent.info.run_id
        self.config = dict(config or {})
        self._log_params(self.parent_id, self.params({}))
        self.run_ids: dict[int, str] = {}
        self._diverged: dict[int, bool] = {}
        self._pending: list = []

    def write(self, event: RecordEvent) -> None:
        """Log each trial's metrics of this record at ``event.step`` (one batch per trial)."""
        now = int(time.time() * 1000)
        Metric = self._entities.Metric
        for i, (trial, metrics, hyper) in enumerate(event.rows()):
            if trial not in self.run_ids:
                self._start(trial, hyper)
            batch = [Metric(k, v, now, event.step) for k, v in metrics.items()]
            # queued, written by MLflow's logging thread: the sweep's host loop never waits
            self._pending.append(
                self.client.log_batch(self.run_ids[trial], metrics=batch, synchronous=False)
            )
            self._diverged[trial] = bool(np.asarray(event.diverged)[i])

    def _start(self, trial: int, hyper: dict) -> None:
        """The trial's child run, its hyperparameters as params."""
        tags = {"mlflow.parentRunId": self.parent_id, "jaxscape.trial": str(trial)}
        run = self.client.create_run(self.experiment_id, run_name=run_name(trial), tags=tags)
        self._log_params(run.info.run_id, self.params(hyper))
        self.run_ids[trial] = run.info.run_id

    def _log_params(self, run_id: str, params: dict[str, Any]) -> None:
        """``params`` as text, at most 100 per call (MLflow's limit)."""
        items = [self._entities.Param(k, str(v)) for k, v in params.items()]
        for start in range(0, len(items), 100):
            self.client.log_batch(run_id, params=items[start : start + 100])

    def finish(self) -> None:
        """Wait for the queued metrics, then end every trial's run (``FAILED`` if it
        diverged, ``KILLED`` if the sweep was interrupted), then the parent run."""
        for operations in self._pending:
            operations.wait()
        self._pending.clear()
        for trial, run_id in self.run_ids.items():
            diverged = self._diverged[trial]
            self.client.set_tag(run_id, "jaxscape.diverged", str(diverged).lower())
            self.client.set_terminated(run_id, "FAILED" if diverged else self._status)
        self.client.set_tag(self.parent_id, "jaxscape.trials", str(len(self.run_ids)))
        self.client.set_tag(self.parent_id, "jaxscape.diverged", str(sum(self._diverged.values())))
        self.client.set_terminated(self.parent_id, self._status)

    @property
    def _status(self) -> str:
        return "KILLED" if self.interrupted else "FINISHED"
