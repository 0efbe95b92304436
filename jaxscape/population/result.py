"""``SweepResult``: the table of trials × hyperparameters × metrics a population run returns."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jax
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
from jaxscape._result import HIGHER_IS_BETTER, check_metric, higher_is_better
from jaxscape._result import default_metric as _default_metric
from jaxscape.population.judging import Judging

__all__ = ["HIGHER_IS_BETTER", "RESULT_FILES", "SweepResult", "higher_is_better"]

#: Every file a save may consist of (a save replaces all of them at once).
RESULT_FILES = ("sweep.json", "metrics.npz", "trials.csv", "params.npz", "trajectory.npz")


@dataclass(frozen=True)
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
      pruned_at: ``[N]`` the step of the record at which a pruner (``sweep(prune=...)``)
        stopped each trial, ``-1`` if it did not; ``None`` when the sweep had no pruner.
      state: where every trial stopped (with ``keep_state=True``), for ``sweep(start=...)``;
        held on the device and not written by :meth:`save`.

    A frozen dataclass (``dataclasses.replace`` makes a changed copy); :meth:`select` and
    :meth:`arms` take trials out of it as results of their own.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
      >>> res = js.sweep(prob, js.optim.sgd, js.grid(learning_rate=[0.1, 0.5], momentum=[0.0, 0.9]),
      ...                steps=10, progress=False)
      >>> res.n_trials, res.default_metric
      (4, 'train_loss')
      >>> {k: r.n_trials for k, r in res.arms("momentum").items()}
      {0.0: 2, 0.9: 2}
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
    pruned_at: np.ndarray | None = None

    # ------------------------------------------------------------------ queries
    @property
    def n_trials(self) -> int:
        return int(self.diverged.shape[0])

    @property
    def default_metric(self) -> str:
        """The metric drawn when none is named: validation accuracy, else validation loss,
        else test accuracy, else test loss, else train accuracy, else train loss (see
        :func:`jaxscape._result.default_metric`). Choosing (:meth:`best_index`,
        :meth:`summary`) follows :class:`~jaxscape.Judging` instead, which never picks a
        test metric."""
        return _default_metric(self.metrics)

    def _metric(self, metric: str | None) -> str:
        return check_metric(self.metrics, metric)

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
        """Index of the best non-diverged trial by the final value of the choosing metric.

        The project's one metric rule decides (:class:`~jaxscape.Judging`): ``metric`` when
        given, else validation accuracy, validation loss, training accuracy, training loss
        (the first present) — never a ``test_*`` metric, asked for or not (a ``ValueError``;
        the test split is evaluated once, for the chosen trial). A tie on an accuracy falls to
        the lower loss of the same split, then to the lower index.

        Raises ``ValueError`` when every trial diverged or has no finite value.

        Example:
          >>> import numpy as np, jaxscape as js
          >>> res = js.SweepResult(hyperparams={"seed": np.zeros(3, int)}, static={},
          ...     steps=np.array([10]), diverged=np.zeros(3, bool), diverged_at=-np.ones(3, int),
          ...     metrics={"val_accuracy": np.array([[0.9], [0.95], [0.95]]),
          ...              "val_loss": np.array([[0.3], [0.2], [0.1]]),
          ...              "test_accuracy": np.array([[0.99], [0.5], [0.5]])})
          >>> res.best_index()   # 0.95 twice: the lower validation loss wins; test never ranks
          2
        """
        return Judging(metric=metric).best_index(self)

    def best(self, metric: str | None = None) -> dict[str, Any]:
        """The best non-diverged trial (:meth:`best_index`, the one metric rule): its index,
        hyperparameters and final metrics."""
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
            if self.pruned_at is not None:
                row["pruned_at"] = int(self.pruned_at[i])
            row.update({f"final_{k}": float(v[i, -1]) for k, v in self.metrics.items()})
            out.append(row)
        return out

    def to_dataframe(self):
        """A pandas ``DataFrame`` with one row per trial (see :meth:`rows`)."""
        return rows_frame(self.rows(), index="trial")

    def summary(self, metric: str | None = None, top: int = 5) -> str:
        """A short text table of the best trials, and how many diverged.

        Trials rank as :meth:`best_index` ranks them (the one metric rule, never a ``test_*``
        metric; a tie on an accuracy falls to the loss).
        """
        judging = Judging(metric=metric)
        metric = judging.choose_metric(self.metrics)
        values = self.final(metric)
        ok = ~self.diverged & np.isfinite(values)
        idx = [int(i) for i in judging.rank(self) if ok[i]][:top]
        names = [k for k in self.hyperparams if np.unique(self.hyperparams[k]).size > 1]
        names = names or list(self.hyperparams)[:2]
        head = ["trial", *names, metric]
        lines = ["  ".join(f"{h:>14}" for h in head)]
        for i in idx:
            cells = [f"{i:>14d}", *(_cell(self.hyperparams[k][i]) for k in names)]
            cells.append(f"{values[i]:>14.6g}")
            lines.append("  ".join(cells))
        n_div = int(self.diverged.sum())
        pruned = self.pruned_at >= 0 if self.pruned_at is not None else np.zeros(ok.shape, bool)
        failed = Judging().failed(self) & ~pruned if self.metrics else np.zeros(ok.shape, bool)
        parts = [f"{self.n_trials} trials", f"{n_div} diverged"]
        if pruned.any():
            parts.append(f"{int(pruned.sum())} pruned")
        parts.append(f"{int(failed.sum())} failed (no better than chance or than the start)")
        gone = [w for w, k in (("diverged", n_div), ("pruned", pruned.any())) if k]
        excluded = f" ({' and '.join(gone)} excluded above)" if gone else ""
        lines.append(", ".join(parts) + excluded + f"; ranked by final {metric}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ trials
    def select(self, trials: Any) -> SweepResult:
        """The result of the trials ``trials`` alone, in that order.

        ``trials``: ``[M]`` indices, an ``[N]`` bool mask, or a slice. Every per-trial field
        (hyperparameters, curves ``[M, T]``, divergence, kept parameters, trajectories of the
        chosen trials, the state) is cut; ``steps``, ``static`` and ``info`` are shared.
        """
        rows = _rows(trials, self.n_trials)
        trajectory = None
        if self.trajectory is not None:
            keep = [m for m, i in enumerate(self.trajectory["trials"]) if i in rows]
            if keep:
                new = {int(i): j for j, i in reversed(list(enumerate(rows)))}
                trajectory = {
                    "trials": np.asarray([new[int(self.trajectory["trials"][m])] for m in keep]),
                    "steps": self.trajectory["steps"],
                    "params": jax.tree.map(
                        lambda a: a[np.asarray(keep)], self.trajectory["params"]
                    ),
                }
        return replace(
            self,
            hyperparams={k: v[rows] for k, v in self.hyperparams.items()},
            metrics={k: v[rows] for k, v in self.metrics.items()},
            diverged=self.diverged[rows],
            diverged_at=self.diverged_at[rows],
            pruned_at=None if self.pruned_at is None else self.pruned_at[rows],
            params=None if self.params is None else jax.tree.map(lambda a: a[rows], self.params),
            trajectory=trajectory,
            info=dict(self.info),
            state=None if self.state is None else self.state.take(rows),
        )

    def arms(self, by: str | list[str]) -> dict[Any, SweepResult]:
        """Split the trials into arms: one :meth:`select` per distinct value of the
        hyperparameter(s) ``by``, in order of first appearance.

        Keys are the values as the table gave them (Python floats, the shortest decimal of
        the float32 value the trials trained with; ints for ``"seed"``), tuples of them when
        ``by`` names several columns. Arms of replicates: ``by`` the columns other than
        ``"seed"``.
        """
        names = [by] if isinstance(by, str) else list(by)
        if not names:
            raise ValueError("by must name at least one hyperparameter")
        for name in names:
            if name not in self.hyperparams:
                raise ValueError(
                    f"by must name hyperparameters among {sorted(self.hyperparams)}, got {name!r}"
                )
        keys = [tuple(_value(self.hyperparams[k][i]) for k in names) for i in range(self.n_trials)]
        groups: dict[tuple, list[int]] = {}
        for i, key in enumerate(keys):
            groups.setdefault(key, []).append(i)
        single = isinstance(by, str)
        return {(k[0] if single else k): self.select(rows) for k, rows in groups.items()}

    # ------------------------------------------------------------------ figures
    def plot(self, path: str | os.PathLike | None = None, metric: str | None = None, **kwargs):
        """The curves of ``metric`` (default: :attr:`default_metric`) over steps, one line per
        trial (:func:`jaxscape.plot.sweep.plot_curves`, which takes ``kwargs``), written to
        ``path`` when given. Returns the matplotlib ``Figure``."""
        from jaxscape.plot.sweep import plot_curves

        return plot_curves(self, metric, path=path, **kwargs)

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
                **({} if self.pruned_at is None else {"pruned_at": self.pruned_at.tolist()}),
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
            pruned_at=(
                np.asarray(meta["pruned_at"], dtype=np.int64) if "pruned_at" in meta else None
            ),
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


def _rows(trials: Any, n: int) -> np.ndarray:
    """``[M]`` int64 trial indices from indices, an ``[n]`` bool mask or a slice."""
    if isinstance(trials, slice):
        return np.arange(n)[trials]
    rows = np.asarray(trials)
    if rows.size == 0:
        return np.zeros(0, np.int64)
    if rows.dtype == bool:
        if rows.shape != (n,):
            raise ValueError(f"a trials mask must have shape ({n},), got {rows.shape}")
        return np.flatnonzero(rows)
    if rows.ndim != 1 or not np.issubdtype(rows.dtype, np.integer):
        raise TypeError(
            f"trials must be 1-D integer indices, a bool mask or a slice, got {trials!r}"
        )
    if rows.size and (rows.min() < -n or rows.max() >= n):
        raise ValueError(f"trials must be indices in [0, {n}), got {rows.tolist()}")
    return rows.astype(np.int64) % n


def _cell(v: np.generic) -> str:
    """A summary cell: a number to 6 significant digits, a structural string as it is."""
    return f"{v:>14.6g}" if np.issubdtype(v.dtype, np.number) else f"{v!s:>14}"


def _value(v: np.generic) -> float | int | str:
    """A hyperparameter value as the table gave it: trials train with float32 values, stored
    as float64 (``0.8999999761581421``); their shortest float32 decimal is the table's ``0.9``.
    A structural string (a :class:`~jaxscape.ProblemFamily`'s column) stays a string."""
    if np.issubdtype(v.dtype, np.str_):
        return str(v)
    if np.issubdtype(v.dtype, np.integer):
        return int(v)
    single = np.float32(v)
    return float(str(single)) if float(single) == float(v) else float(v)
