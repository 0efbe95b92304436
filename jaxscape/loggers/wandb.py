"""Weights & Biases: one run per trial, the sweep's runs grouped.

What W&B shows best is a *group* of runs: its runs table (config columns beside summary
metrics), the parallel-coordinates and parameter-importance panels (which read each run's
config against a metric), and line plots that overlay the group's runs or aggregate them
(mean and range). So each trial is a run of its own — ``config`` its hyperparameters, its
metrics logged at their step — and every run of one sweep shares ``group`` (default
``sweep-<date>-<time>``) and ``job_type="trial"``. A diverged trial ends with exit code 1
(shown as failed) and ``summary["diverged"] = True``; so do the runs of an interrupted sweep
(an exception leaving the logger's ``with`` block), with ``summary["interrupted"] = True``.

The runs are written offline by default (``mode="offline"``, files under
``DIR/wandb/offline-run-*``: no account or network needed); ``wandb sync DIR/wandb/offline-run-*``
uploads them later, and ``mode="online"`` logs live to a logged-in account.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from jaxscape.loggers._base import Logger, require, run_name
from jaxscape.population.record import RecordEvent

__all__ = ["WandbLogger"]


class WandbLogger(Logger):
    """Log a sweep to W&B: one run per trial, config = its hyperparameters, one group.

    Args:
      project: the W&B project.
      mode: ``"offline"`` (default), ``"online"`` or ``"disabled"``.
      dir: the folder W&B writes its ``wandb/`` files under (default: W&B's, the working
        folder).
      group: the group of this sweep's runs (default ``sweep-YYYYmmdd-HHMMSS``).
      config: the sweep's shared settings (``{"optimizer": "sgd"}``), in every run's config
        beside its hyperparameters.
      **init: more keyword arguments of ``wandb.init`` for every run (``entity``, ``tags``).

    Needs ``pip install 'jaxscape[wandb]'``.

    Example (as in ``tests/loggers/test_wandb_logger.py``)::

      with WandbLogger(project="digits", dir="out") as log:
          js.sweep(prob, js.optim.sgd, table, steps=500, on_record=log)
      # wandb sync out/wandb/offline-run-*
    """

    def __init__(
        self,
        project: str = "jaxscape",
        mode: str = "offline",
        dir: str | os.PathLike | None = None,
        group: str | None = None,
        config: Mapping[str, Any] | None = None,
        **init: Any,
    ) -> None:
        self._wandb = require("wandb", "wandb", "WandbLogger")
        self.project = project
        self.mode = mode
        self.dir = None if dir is None else os.fspath(dir)
        if self.dir is not None:
            os.makedirs(self.dir, exist_ok=True)
        self.group = group or time.strftime("sweep-%Y%m%d-%H%M%S")
        self._init = init
        self.config = dict(config or {})
        self.runs: dict[int, Any] = {}
        self._diverged: dict[int, bool] = {}

    def write(self, event: RecordEvent) -> None:
        """Log each trial's metrics of this record at ``event.step``."""
        for i, (trial, metrics, hyper) in enumerate(event.rows()):
            if trial not in self.runs:
                self.runs[trial] = self._start(trial, hyper)
            self.runs[trial].log(metrics, step=event.step)
            self._diverged[trial] = bool(np.asarray(event.diverged)[i])

    def _start(self, trial: int, hyper: dict) -> Any:
        """The trial's run (W&B runs of one process side by side: ``reinit="create_new"``)."""
        settings = self._wandb.Settings(silent=True, x_disable_stats=True)
        return self._wandb.init(
            project=self.project,
            mode=self.mode,
            dir=self.dir,
            group=self.group,
            job_type="trial",
            name=run_name(trial),
            config={"trial": trial, **self.params(hyper)},
            reinit="create_new",
            settings=settings,
            **self._init,
        )

    def finish(self) -> None:
        """Finish every run; a diverged trial's, or every one of an interrupted sweep, with
        exit code 1 (failed)."""
        for trial, run in self.runs.items():
            run.summary["diverged"] = self._diverged[trial]
            if self.interrupted:
                run.summary["interrupted"] = True
            run.finish(exit_code=1 if self._diverged[trial] or self.interrupted else 0)
