"""Results of :func:`~jaxscape.bench.update_throughput` and
:func:`~jaxscape.bench.population_scaling`: frozen rows with save/load/plot/to_dataframe/summary.

Both save into a folder as ``<kind>.json`` and ``<kind>.csv`` (``optimizers`` or
``population``); :meth:`plot` draws ``<kind>.png``. The device, library versions, date and
load average of the run travel with the numbers (``environment``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jaxscape.bench import _table
from jaxscape.bench._registry import size_label

UPDATE_FORMAT = "jaxscape.bench.optimizers/1"
SCALING_FORMAT = "jaxscape.bench.population/1"


@dataclass(frozen=True)
class UpdateRow:
    """One (optimizer, size, variant) of an update-throughput run.

    Attributes:
      optimizer: the name given (``"adam"``, ``"optax.adam"``, a user's) or ``"torch.<name>"``.
      variant: ``"tree"`` (``leaves`` buffers, jitted), ``"donated"`` (same, buffers donated),
        ``"flat"`` (one donated buffer), or torch's ``"foreach"`` / ``"fused"``.
      params: parameters updated per call.
      leaves: buffers the parameters are split into.
      dtype: parameter dtype.
      bytes_moved: bytes an update must read and write (:func:`~jaxscape.bench.update_bytes`).
      ms, ms_min, ms_max: median, fastest and slowest milliseconds per update over the repeats.
      params_per_s: ``params / (ms / 1000)``.
      gb_per_s: achieved bandwidth ``bytes_moved / (ms / 1000) / 1e9``.
      copy_gb_per_s: the device's copy bandwidth measured in the same run at this size,
        interleaved with the updates (fastest repeat of the fastest pass).
      fraction: ``gb_per_s / copy_gb_per_s`` (1 means the update runs at memory speed).
      note: why a row has no time (skipped: too large, unavailable), else ``""``.
    """

    optimizer: str
    variant: str
    params: int
    leaves: int
    dtype: str
    bytes_moved: int
    ms: float | None = None
    ms_min: float | None = None
    ms_max: float | None = None
    params_per_s: float | None = None
    gb_per_s: float | None = None
    copy_gb_per_s: float | None = None
    fraction: float | None = None
    note: str = ""


@dataclass(frozen=True)
class UpdateThroughput:
    """What :func:`~jaxscape.bench.update_throughput` returns.

    Attributes:
      rows: one :class:`UpdateRow` per (size, optimizer, variant), skipped ones included.
      environment: device, versions, date and load average of the run.
      settings: the arguments (sizes, leaves, dtype, repeats, variants, ...).
      notes: what was skipped and why.

    Example:
      >>> row = UpdateRow("adam", "flat", 1000, 1, "float32", 28008, ms=0.01)
      >>> res = UpdateThroughput((row,), {"device": "cpu"}, {}, ())
      >>> res.rows[0].bytes_moved // res.rows[0].params
      28
    """

    rows: tuple[UpdateRow, ...]
    environment: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    kind = "optimizers"

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``optimizers.json`` and ``optimizers.csv`` into the folder ``path``."""
        return _table.save_table(self, path, self.kind, UPDATE_FORMAT)

    @classmethod
    def load(cls, path: str | os.PathLike) -> UpdateThroughput:
        """Read a result written by :meth:`save`."""
        return _table.load_table(path, cls.kind, UPDATE_FORMAT, cls, UpdateRow)

    def to_dataframe(self):
        """A pandas ``DataFrame``, one row per :class:`UpdateRow`."""
        return _table.to_dataframe(self.rows)

    def plot(self, path: str | os.PathLike | None = None):
        """Parameters per second against size, per optimizer, with the bandwidth limit."""
        from jaxscape.plot.bench import plot_update_throughput

        return plot_update_throughput(self, path)

    def summary(self) -> str:
        """A Markdown table of every row, under the device/versions line and the notes."""
        head = ["optimizer", "params", "variant", "ms/update", "min ms", "params/s", "B/param"]
        head += ["GB/s", "copy GB/s", "of copy bw", "note"]
        body = [
            [
                r.optimizer,
                size_label(r.params),
                r.variant,
                r.ms,
                r.ms_min,
                None if r.params_per_s is None else f"{r.params_per_s:.3g}",
                f"{r.bytes_moved / r.params:.1f}",
                r.gb_per_s,
                r.copy_gb_per_s,
                None if r.fraction is None else f"{100 * r.fraction:.0f}%",
                r.note or None,
            ]
            for r in self.rows
        ]
        title = "Optimizer update throughput"
        top = _table.header(title, self.environment, self.notes)
        return f"{top}\n\n{_table.markdown(head, body)}"


@dataclass(frozen=True)
class ScalingRow:
    """One population size ``N`` of a population-scaling run.

    Attributes:
      trials: ``N``.
      steps: optimizer steps per trial.
      compile_s: the population's compile time (``js.sweep``).
      run_s: the population's run time, compile excluded (median over repeats).
      trial_steps_per_s: ``N * steps / run_s``.
      loop_compile_s: compile time of the single jitted run the loop calls (once for all N).
      loop_run_s: a Python loop of ``N`` single jitted runs (median over repeats).
      loop_trial_steps_per_s: ``N * steps / loop_run_s``.
      speedup: ``loop_run_s / run_s`` (above 1: the population beats the loop).
      state_bytes_per_trial: parameters + optimizer state (+ model state) of one trial.
      memory_per_trial: XLA's memory of one vmapped step of ``N`` trials (arguments, outputs
        and temporaries, less donated aliases), divided by ``N``.
      chunk, group: how the engine cut the population (trials per call; per vmapped group).
      note: why a row has no time (skipped: does not fit), else ``""``.
    """

    trials: int
    steps: int
    compile_s: float | None = None
    run_s: float | None = None
    trial_steps_per_s: float | None = None
    loop_compile_s: float | None = None
    loop_run_s: float | None = None
    loop_trial_steps_per_s: float | None = None
    speedup: float | None = None
    state_bytes_per_trial: int | None = None
    memory_per_trial: int | None = None
    chunk: int | None = None
    group: int | None = None
    note: str = ""


@dataclass(frozen=True)
class PopulationScaling:
    """What :func:`~jaxscape.bench.population_scaling` returns.

    Attributes:
      rows: one :class:`ScalingRow` per population size ``N = 1, 2, 4, ...``.
      environment: device, versions, date and load average of the run.
      settings: problem, optimizer, steps, batch size, repeats.
      notes: what was skipped and why.

    Example:
      >>> res = PopulationScaling((ScalingRow(8, 100, run_s=0.5, trial_steps_per_s=1600.0),))
      >>> res.rows[0].trial_steps_per_s
      1600.0
    """

    rows: tuple[ScalingRow, ...]
    environment: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    kind = "population"

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``population.json`` and ``population.csv`` into the folder ``path``."""
        return _table.save_table(self, path, self.kind, SCALING_FORMAT)

    @classmethod
    def load(cls, path: str | os.PathLike) -> PopulationScaling:
        """Read a result written by :meth:`save`."""
        return _table.load_table(path, cls.kind, SCALING_FORMAT, cls, ScalingRow)

    def to_dataframe(self):
        """A pandas ``DataFrame``, one row per :class:`ScalingRow`."""
        return _table.to_dataframe(self.rows)

    def plot(self, path: str | os.PathLike | None = None):
        """Trial-steps/s, compile time and memory per trial against ``N``, with the loop."""
        from jaxscape.plot.bench import plot_population_scaling

        return plot_population_scaling(self, path)

    def summary(self) -> str:
        """A Markdown table of every row, under the device/versions line and the notes."""
        head = ["trials", "compile s", "run s", "trial-steps/s", "loop run s"]
        head += ["loop trial-steps/s", "vs loop", "MiB/trial", "chunk/group", "note"]
        body = [
            [
                r.trials,
                r.compile_s,
                r.run_s,
                None if r.trial_steps_per_s is None else f"{r.trial_steps_per_s:.4g}",
                r.loop_run_s,
                None if r.loop_trial_steps_per_s is None else f"{r.loop_trial_steps_per_s:.4g}",
                None if r.speedup is None else f"{r.speedup:.2f}x",
                None if r.memory_per_trial is None else r.memory_per_trial / 2**20,
                None if r.chunk is None else f"{r.chunk}/{r.group or r.chunk}",
                r.note or None,
            ]
            for r in self.rows
        ]
        s = self.settings
        title = f"Population scaling: {s.get('problem', '')}, {s.get('optimizer', '')}"
        top = _table.header(title, self.environment, self.notes)
        return f"{top}\n\n{_table.markdown(head, body)}"
