"""TensorBoard: one run per trial, its metrics as scalars, its hyperparameters in HParams.

What TensorBoard shows best is many runs side by side: the Scalars tab overlays every trial's
curve of ``metric/<name>`` (filter runs by name, ``trial_00(1|2)``), and the HParams tab
tabulates the trials — hyperparameters against final metrics, parallel coordinates, scatter
plots — which needs one *run* (a folder) per trial. So a sweep writes
``logdir/trial_0007/events.out.tfevents.*`` per trial, with the scalars of each record at its
step, and each trial's hyperparameters through tensorboardX's HParams plugin summaries as soon
as the trial is first seen (so the HParams tab fills in while the sweep runs); a closing
session-end record says whether the trial finished, diverged (status failure) or was cut
short by an interrupted sweep (status unknown).

Events are framed with tensorboardX's protos and record writer, but each record is *appended*
to the trial's file and the file closed again rather than held by a ``SummaryWriter``: a
writer keeps a thread and an open file per run, which a population of thousands of trials
would exhaust; appends keep nothing open and are on disk (visible to TensorBoard) at once.
No TensorFlow is needed, for writing or reading (``tensorboard --logdir DIR``).

Example:
  >>> import tempfile, jax.numpy as jnp, jaxscape as js
  >>> from jaxscape.loggers import TensorBoardLogger
  >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
  >>> with TensorBoardLogger(tempfile.mkdtemp()) as tb:  # live: each record as it comes
  ...     res = js.sweep(prob, js.optim.sgd, js.grid(learning_rate=[0.1, 0.5]), steps=20,
  ...                    eval_every=10, progress=False, on_record=tb)
  >>> sorted(p.name for p in tb.logdir.iterdir())
  ['trial_0000', 'trial_0001']
"""

from __future__ import annotations

import os
import socket
import struct
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from jaxscape.loggers._base import Logger, require, run_name
from jaxscape.population.record import RecordEvent

__all__ = ["TensorBoardLogger"]


class TensorBoardLogger(Logger):
    """Write a sweep's records as TensorBoard event files, one run (folder) per trial.

    Args:
      logdir: the folder ``tensorboard --logdir`` is pointed at (created if needed); trial
        ``i`` writes into ``logdir/trial_{i:04d}/``.
      prefix: the tag prefix of the metrics (``metric/train_loss``).
      config: the sweep's shared settings (``{"optimizer": "sgd"}``), HParams columns beside
        each trial's hyperparameters.

    Call it with each :class:`~jaxscape.population.record.RecordEvent` (as
    ``js.sweep(..., on_record=logger)``, or :meth:`log_result` after the fact), then
    :meth:`close` (or use it as a context manager). Needs ``pip install 'jaxscape[tensorboard]'``
    (tensorboardX; ``tensorboard`` itself to view).
    """

    def __init__(
        self,
        logdir: str | os.PathLike,
        prefix: str = "metric",
        config: Mapping[str, Any] | None = None,
    ) -> None:
        self._tbx = require("tensorboardX.summary", "tensorboard", "TensorBoardLogger")
        self._event_pb2 = require(
            "tensorboardX.proto.event_pb2", "tensorboard", "TensorBoardLogger"
        )
        self._frame = require("tensorboardX.record_writer", "tensorboard", "TensorBoardLogger")
        self.logdir = Path(logdir)
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.config = dict(config or {})
        self._files: dict[int, Path] = {}
        self._diverged: dict[int, bool] = {}
        self._stamp = f"{time.time():.0f}.{socket.gethostname()}.jaxscape"

    @property
    def runs(self) -> dict[int, Path]:
        """``{trial: folder}`` of every run written so far."""
        return {t: f.parent for t, f in self._files.items()}

    def write(self, event: RecordEvent) -> None:
        """Append each trial's scalars of this record at ``event.step``."""
        now = time.time()
        for i, (trial, metrics, hyper) in enumerate(event.rows()):
            records = []
            if trial not in self._files:
                records += self._start(trial, hyper, metrics, now)
            summary = self._tbx.Summary(
                value=[
                    self._tbx.Summary.Value(tag=f"{self.prefix}/{k}", simple_value=v)
                    for k, v in metrics.items()
                ]
            )
            records.append(self._event_pb2.Event(wall_time=now, step=event.step, summary=summary))
            self._diverged[trial] = bool(np.asarray(event.diverged)[i])
            self._append(trial, records)

    def _start(self, trial: int, hyper: dict, metrics: dict, now: float) -> list:
        """A new run's file: the version record and the HParams experiment and session."""
        folder = self.logdir / run_name(trial)
        folder.mkdir(parents=True, exist_ok=True)
        self._files[trial] = folder / f"events.out.tfevents.{self._stamp}"
        tags = {f"{self.prefix}/{k}": 0.0 for k in metrics}
        experiment, session, _ = self._tbx.hparams(self.params(hyper), tags)
        return [
            self._event_pb2.Event(wall_time=now, file_version="brain.Event:2"),
            self._event_pb2.Event(wall_time=now, summary=experiment),
            self._event_pb2.Event(wall_time=now, summary=session),
        ]

    def _append(self, trial: int, records: list) -> None:
        """Append framed records (tensorboardX's record framing) to the trial's file."""
        crc = self._frame.masked_crc32c
        out = bytearray()
        for record in records:
            data = record.SerializeToString()
            header = struct.pack("Q", len(data))
            out += header + struct.pack("I", crc(header)) + data + struct.pack("I", crc(data))
        with open(self._files[trial], "ab") as f:
            f.write(out)

    def finish(self) -> None:
        """Close every run's HParams session: success, failure for a diverged trial, unknown
        when the sweep was interrupted."""
        pb = require("tensorboardX.proto.plugin_hparams_pb2", "tensorboard", "TensorBoardLogger")
        api = require("tensorboardX.proto.api_pb2", "tensorboard", "TensorBoardLogger")
        for trial in self._files:
            status = "STATUS_UNKNOWN" if self.interrupted else "STATUS_SUCCESS"
            status = "STATUS_FAILURE" if self._diverged[trial] else status
            end = pb.SessionEndInfo(status=api.Status.Value(status), end_time_secs=time.time())
            content = pb.HParamsPluginData(session_end_info=end, version=0)
            meta = self._tbx.SummaryMetadata(
                plugin_data=self._tbx.SummaryMetadata.PluginData(
                    plugin_name="hparams", content=content.SerializeToString()
                )
            )
            value = self._tbx.Summary.Value(tag="_hparams_/session_end_info", metadata=meta)
            summary = self._tbx.Summary(value=[value])
            self._append(trial, [self._event_pb2.Event(wall_time=time.time(), summary=summary)])
