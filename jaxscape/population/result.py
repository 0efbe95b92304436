"""``SweepResult``: the table of trials × hyperparameters × metrics a population run returns."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from jaxscape._folder import write_folder
from jaxscape._frame import rows_frame
from jaxscape._io import (
    atomic_write_text,
    flatten_tree,
    load_json,
    load_npz,
    save_json,
    save_npz,
    unflatten_tree,
)

HIGHER_IS_BETTER = ("accuracy",)

#: Every file a save may consist of (a save replaces all of them at once).
RESULT_FILES = ("sweep.json", "metrics.npz", "trials.csv", "params.npz", "trajectory.npz")


def higher_is_better(metric: str) -> bool:
    """Whether a larger value of ``metric`` is better (accuracies) or worse (losses)."""
    return metric.endswith(HIGHER_IS_BETTER)


@dataclass
class SweepResult:
    """What :func:`jaxscape.sweep` returns.

    Attributes:
      hyperparams: ``{name: [N]}`` each trial's numeric hyperparameters, plus ``"seed"``.
      static: ``{name: text}`` the shared non-numeric arguments (as text).
      steps: ``[T]`` the step counts at which metrics were recorded.
      metrics: ``{name: [N, T]}``. ``train_*`` are means over the mini-batches of each
        recording window (before each update); ``test_*`` are exact means over the whole test
        split after the window's last step. NaN once a trial has diverged.
      diverged: ``[N]`` bool. A diverged trial's state was frozen when its loss became
        non-finite or exploded; it never affected another trial.
      diverged_at: ``[N]`` the step at which each trial diverged, ``-1`` if it did not.
      params: final parameters with a leading ``[N]`` axis (when kept), else ``None``.
      trajectory: ``{"trials": [m], "steps": [T'], "params": pytree [m, T', ...]}`` when kept.
      info: the run's settings and timings (optimizer, problem, steps, batch size, seconds).
      state: where every trial stopped (with ``keep_state=True``), for ``sweep(start=...)``;
        held on the device and not written by :meth:`save`.
    """

    hyperparams: dict[str, np.ndarray]
    static: dict[str, str]
    steps: np.ndarray
    metrics: dict[str, np.ndarray]
    diverged: np.ndarray
    diverged_at: np.ndarray
    params: Any = None
    trajectory: dict | None = None
    info: dict = field(default_factory=dict)
    state: Any = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ queries
    @property
    def n_trials(self) -> int:
        return int(self.diverged.shape[0])

    @property
    def default_metric(self) -> str:
        """The metric summaries rank by: validation accuracy, else validation loss, else test
        accuracy, else test loss, else train accuracy, else train loss."""
        for name in (
            "val_accuracy",
            "val_loss",
            "test_accuracy",
            "test_loss",
            "train_accuracy",
            "train_loss",
        ):
            if name in self.metrics:
                return name
        return next(iter(self.metrics))

    def _metric(self, metric: str | None) -> str:
        metric = metric or self.default_metric
        if metric not in self.metrics:
            raise ValueError(f"metric must be one of {sorted(self.metrics)}, got {metric!r}")
        return metric

    def final(self, metric: str | None = None) -> np.ndarray:
        """``[N]`` the last recorded value of ``metric`` (NaN for diverged trials)."""
        return self.metrics[self._metric(metric)][:, -1]

    def best_over_time(self, metric: str | None = None) -> np.ndarray:
        """``[N]`` the best recorded value of ``metric`` over the run (NaN if never finite).

        "Best" is the largest value of an accuracy and the smallest of a loss, for the default
        metric too.
        """
        metric = self._metric(metric)
        values = np.asarray(self.metrics[metric], dtype=np.float64)
        finite = np.isfinite(values)
        fill = -np.inf if higher_is_better(metric) else np.inf
        masked = np.where(finite, values, fill)
        best = masked.max(1) if higher_is_better(metric) else masked.min(1)
        return np.where(finite.any(1), best, np.nan)

    def best_index(self, metric: str | None = None) -> int:
        """Index of the best non-diverged trial by the final value of ``metric``.

        Raises ``ValueError`` when every trial diverged.
        """
        metric = self._metric(metric)
        values = self.final(metric).astype(np.float64)
        ok = ~self.diverged & np.isfinite(values)
        if not np.any(ok):
            raise ValueError(f"every trial diverged or has no finite {metric}")
        score = np.where(ok, values if higher_is_better(metric) else -values, -np.inf)
        return int(np.argmax(score))

    def best(self, metric: str | None = None) -> dict[str, Any]:
        """The best non-diverged trial: its hyperparameters and final metrics."""
        i = self.best_index(metric)
        return {
            "trial": i,
            **{k: v[i].item() for k, v in self.hyperparams.items()},
            **{k: float(v[i, -1]) for k, v in self.metrics.items()},
        }

    def rows(self) -> list[dict[str, Any]]:
        """One dict per trial: hyperparameters, seed, divergence and final metrics."""
        out = []
        for i in range(self.n_trials):
            row: dict[str, Any] = {"trial": i}
            row.update({k: v[i].item() for k, v in self.hyperparams.items()})
            row["diverged"] = bool(self.diverged[i])
            row["diverged_at"] = int(self.diverged_at[i])
            row.update({f"final_{k}": float(v[i, -1]) for k, v in self.metrics.items()})
            out.append(row)
        return out

    def to_dataframe(self):
        """A pandas ``DataFrame`` with one row per trial (see :meth:`rows`)."""
        return rows_frame(self.rows(), index="trial")

    def summary(self, metric: str | None = None, top: int = 5) -> str:
        """A short text table of the best trials, and how many diverged."""
        metric = self._metric(metric)
        values = self.final(metric)
        ok = ~self.diverged & np.isfinite(values)
        order = np.argsort(values[ok])
        if higher_is_better(metric):
            order = order[::-1]
        idx = np.flatnonzero(ok)[order][:top]
        names = [k for k in self.hyperparams if np.unique(self.hyperparams[k]).size > 1]
        names = names or list(self.hyperparams)[:2]
        head = ["trial", *names, metric]
        lines = ["  ".join(f"{h:>14}" for h in head)]
        for i in idx:
            cells = [f"{i:>14d}", *(f"{self.hyperparams[k][i]:>14.6g}" for k in names)]
            cells.append(f"{values[i]:>14.6g}")
            lines.append("  ".join(cells))
        n_div = int(self.diverged.sum())
        lines.append(
            f"{self.n_trials} trials, {n_div} diverged"
            + (" (excluded above)" if n_div else "")
            + f"; ranked by final {metric}"
        )
        return "\n".join(lines)

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike) -> Path:
        """Write the result into the folder ``path`` (created if needed), replacing any earlier
        save there as one unit.

        Files: ``sweep.json`` (settings, hyperparameters, divergence, the list of files),
        ``metrics.npz`` (``steps`` and every ``[N, T]`` curve), ``trials.csv`` (one row per
        trial), and ``params.npz`` / ``trajectory.npz`` when parameters were kept. They are
        written into a new sibling folder that then replaces ``path`` (see
        :func:`jaxscape._folder.write_folder`): an interrupted save leaves the previous one
        intact, and no file of an earlier save (say its ``params.npz``) is read back with this
        one. Other files in ``path`` (plots) are kept. Nothing is pickled.
        """
        return write_folder(path, self._write, RESULT_FILES)

    def _write(self, folder: Path) -> None:
        files = ["sweep.json", "metrics.npz", "trials.csv"]
        save_npz(folder / "metrics.npz", {"steps": self.steps, **self.metrics})
        if self.params is not None:
            save_npz(folder / "params.npz", flatten_tree(self.params))
            files.append("params.npz")
        if self.trajectory is not None:
            traj = {
                "trials": self.trajectory["trials"],
                "steps": self.trajectory["steps"],
                **{f"params/{k}": v for k, v in flatten_tree(self.trajectory["params"]).items()},
            }
            save_npz(folder / "trajectory.npz", traj)
            files.append("trajectory.npz")
        buf = io.StringIO()
        rows = self.rows()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        atomic_write_text(folder / "trials.csv", buf.getvalue())
        save_json(
            folder / "sweep.json",
            {
                "format": "jaxscape.sweep/1",
                "files": files,
                "info": self.info,
                "static": self.static,
                "hyperparams": {k: v.tolist() for k, v in self.hyperparams.items()},
                "hyperparam_dtypes": {k: str(v.dtype) for k, v in self.hyperparams.items()},
                "diverged": self.diverged.tolist(),
                "diverged_at": self.diverged_at.tolist(),
            },
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> SweepResult:
        """Read a result written by :meth:`save`."""
        folder = Path(path)
        if not (folder / "sweep.json").is_file():
            raise FileNotFoundError(f"{folder} has no sweep.json; not a saved SweepResult")
        meta = load_json(folder / "sweep.json")
        curves = load_npz(folder / "metrics.npz")
        steps = curves.pop("steps")
        # exactly the files of this save (saves before the list: the files present)
        listed = meta.get("files")

        def has(name: str) -> bool:
            return name in listed if listed is not None else (folder / name).is_file()

        params = None
        if has("params.npz"):
            params = unflatten_tree(load_npz(folder / "params.npz"))
        trajectory = None
        if has("trajectory.npz"):
            raw = load_npz(folder / "trajectory.npz")
            trajectory = {
                "trials": raw.pop("trials"),
                "steps": raw.pop("steps"),
                "params": unflatten_tree({k[len("params/") :]: v for k, v in raw.items()}),
            }
        dtypes = meta.get("hyperparam_dtypes", {})
        return cls(
            hyperparams={
                k: np.asarray(v, dtype=dtypes.get(k)) for k, v in meta["hyperparams"].items()
            },
            static=meta["static"],
            steps=steps,
            metrics=curves,
            diverged=np.asarray(meta["diverged"], dtype=bool),
            diverged_at=np.asarray(meta["diverged_at"], dtype=np.int64),
            params=params,
            trajectory=trajectory,
            info=meta["info"],
        )

    def __repr__(self) -> str:
        names = ", ".join(self.hyperparams)
        return (
            f"SweepResult({self.n_trials} trials over [{names}], {len(self.steps)} records "
            f"to step {int(self.steps[-1]) if len(self.steps) else 0}, "
            f"{int(self.diverged.sum())} diverged)"
        )
