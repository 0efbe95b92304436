"""``SearchResult``: every trial of a search, its score, and the incumbent trajectory."""

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
from jaxscape._io import atomic_write_text, load_json, load_npz, save_json, save_npz
from jaxscape.population.judging import Judging
from jaxscape.population.result import higher_is_better

#: Every file a save consists of (a save replaces all of them at once).
SEARCH_FILES = ("search.json", "trials.csv", "arrays.npz")
_ARRAYS = ("resource", "round", "bracket", "rung", "wall_time", "trial", "diverged")


@dataclass(frozen=True, eq=False)
class SearchResult:
    """What a search strategy returns: ``N`` trials in the order their results were recorded.

    Attributes:
      configs: ``[N]`` configurations (flat dicts, as :meth:`Space.sample` gives them).
      metrics: ``{name: [N]}`` final metrics of every trial (``val_*`` while searching; the
        test split is not evaluated); NaN where a trial diverged.
      metric: the name of the score every choice is made by (e.g. ``"val_accuracy"``).
      resource: ``[N]`` training steps each trial received.
      round: ``[N]`` the batch (random search) or round (coarse to fine) of each trial.
      bracket: ``[N]`` Hyperband bracket, ``-1`` for other strategies.
      rung: ``[N]`` Hyperband rung, ``-1`` for other strategies.
      wall_time: ``[N]`` seconds from the search's first trial until this trial's result.
      trial: ``[N]`` the trial numbers in the search's Optuna study.
      diverged: ``[N]`` bool.
      strategy: ``"random"``, ``"coarse-to-fine"``, ``"tpe"``, ...
      test: ``test_*`` metrics of the best configuration, evaluated once at the end (``{}``
        when not evaluated or the data has no test split).
      info: settings (steps, batch size, seed, storage, study name, problem).

    Example:
      >>> import numpy as np
      >>> r = SearchResult(configs=({"lr": 0.1}, {"lr": 1.0}, {"lr": 0.01}),
      ...     metrics={"val_loss": np.array([0.5, np.nan, 0.2])}, metric="val_loss",
      ...     resource=np.array([10, 10, 10]), round=np.zeros(3, int),
      ...     bracket=-np.ones(3, int), rung=-np.ones(3, int),
      ...     wall_time=np.array([1.0, 1.0, 2.0]), trial=np.arange(3),
      ...     diverged=np.array([False, True, False]), strategy="random")
      >>> r.best()["config"]
      {'lr': 0.01}
      >>> r.incumbent("steps")[1].tolist()
      [0.5, 0.5, 0.2]
    """

    configs: tuple[dict[str, Any], ...]
    metrics: dict[str, np.ndarray]
    metric: str
    resource: np.ndarray
    round: np.ndarray
    bracket: np.ndarray
    rung: np.ndarray
    wall_time: np.ndarray
    trial: np.ndarray
    diverged: np.ndarray
    strategy: str
    test: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ queries
    @property
    def n_trials(self) -> int:
        return len(self.configs)

    @property
    def scores(self) -> np.ndarray:
        """``[N]`` the score of every trial (NaN where it diverged)."""
        s = np.asarray(self.metrics[self.metric], dtype=np.float64)
        return np.where(self.diverged, np.nan, s)

    def _key(self, values: np.ndarray) -> np.ndarray:
        """Larger is better, NaN worst."""
        key = values if higher_is_better(self.metric) else -values
        return np.where(np.isfinite(key), key, -np.inf)

    def best_index(self) -> int:
        """Index of the best trial by :attr:`scores`; a tie on an accuracy falls to the loss of
        the same split (lower first, :meth:`jaxscape.Judging.rank`), then to the earliest.

        Example:
          >>> import numpy as np
          >>> r = SearchResult(configs=({}, {}, {}), metric="val_accuracy",
          ...     metrics={"val_accuracy": np.array([0.9, 0.95, 0.95]),
          ...              "val_loss": np.array([0.3, 0.2, 0.1])},
          ...     resource=np.ones(3, int), round=np.zeros(3, int), bracket=-np.ones(3, int),
          ...     rung=-np.ones(3, int), wall_time=np.ones(3), trial=np.arange(3),
          ...     diverged=np.zeros(3, bool), strategy="random")
          >>> r.best_index()  # 0.95 twice: the lower validation loss wins
          2
        """
        if self.n_trials == 0 or not np.any(np.isfinite(self.scores)):
            raise ValueError(f"no trial has a finite {self.metric}")
        if self.metric.startswith("test_"):  # a result saved before the one metric rule
            return int(np.argmax(self._key(self.scores)))
        finals = {k: np.where(self.diverged, np.nan, v) for k, v in self.metrics.items()}
        return int(Judging(metric=self.metric).rank(finals, ok=~self.diverged)[0])

    def best(self) -> dict[str, Any]:
        """The best trial: ``{"trial", "config", "score", "metrics", "test"}``."""
        i = self.best_index()
        return {
            "trial": int(self.trial[i]),
            "config": dict(self.configs[i]),
            "score": float(self.scores[i]),
            "metrics": {k: float(v[i]) for k, v in self.metrics.items()},
            "test": dict(self.test),
        }

    def incumbent(self, against: str = "steps") -> tuple[np.ndarray, np.ndarray]:
        """The incumbent trajectory: ``(x [N], best score so far [N])``.

        ``x`` is the training steps spent so far (``against="steps"``, the cumulative sum of
        :attr:`resource`) or :attr:`wall_time` (``against="wall_time"``); the score is NaN
        until the first finite one.
        """
        if against not in ("steps", "wall_time"):
            raise ValueError(f"against must be 'steps' or 'wall_time', got {against!r}")
        key = self._key(self.scores)
        best = np.maximum.accumulate(key) if self.n_trials else key
        sign = 1.0 if higher_is_better(self.metric) else -1.0
        y = np.where(np.isfinite(best), sign * best, np.nan)
        if against == "steps":
            return np.cumsum(self.resource).astype(np.float64), y
        return np.asarray(self.wall_time, dtype=np.float64), y

    def rows(self) -> list[dict[str, Any]]:
        """One dict per trial: trial, configuration, resource, round, metrics."""
        out = []
        for i in range(self.n_trials):
            row: dict[str, Any] = {"trial": int(self.trial[i]), **self.configs[i]}
            for name in _ARRAYS[:-2]:
                row[name] = getattr(self, name)[i].item()
            row["diverged"] = bool(self.diverged[i])
            row.update({k: float(v[i]) for k, v in self.metrics.items()})
            out.append(row)
        return out

    def to_dataframe(self):
        """A pandas ``DataFrame`` with one row per trial (see :meth:`rows`)."""
        return rows_frame(self.rows(), index="trial")

    def summary(self, top: int = 5) -> str:
        """A short text: the best trials, their configurations and scores, the test score."""
        order = np.argsort(-self._key(self.scores), kind="stable")[:top]
        lines = [f"{self.strategy}: {self.n_trials} trials, ranked by {self.metric}"]
        for i in order:
            cfg = ", ".join(f"{k}={_short(v)}" for k, v in self.configs[i].items())
            lines.append(f"  trial {int(self.trial[i]):>4}  {self.scores[i]:.4g}  {cfg}")
        n_div = int(self.diverged.sum())
        if n_div:
            lines.append(f"  {n_div} diverged (ranked last)")
        if self.test:
            lines.append(
                "  test of the best: " + ", ".join(f"{k}={v:.4g}" for k, v in self.test.items())
            )
        return "\n".join(lines)

    def plot(self, path: str | os.PathLike | None = None, **kwargs: Any):
        """The incumbent trajectory (see :func:`jaxscape.plot.search.plot_incumbent`)."""
        from jaxscape.plot.search import plot_incumbent

        return plot_incumbent(self, path=path, **kwargs)

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike) -> Path:
        """Write ``search.json`` (configurations, settings, test), ``arrays.npz`` and
        ``trials.csv`` into the folder ``path``, replacing an earlier save as one unit."""
        return write_folder(path, self._write, SEARCH_FILES)

    def _write(self, folder: Path) -> None:
        arrays = {name: getattr(self, name) for name in _ARRAYS}
        arrays.update({f"metrics/{k}": v for k, v in self.metrics.items()})
        save_npz(folder / "arrays.npz", arrays)
        rows = self.rows()
        names = list(dict.fromkeys(k for r in rows for k in r)) or ["trial"]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)
        atomic_write_text(folder / "trials.csv", buf.getvalue())
        save_json(
            folder / "search.json",
            {
                "format": "jaxscape.search/1",
                "strategy": self.strategy,
                "metric": self.metric,
                "configs": list(self.configs),
                "test": self.test,
                "info": self.info,
            },
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> SearchResult:
        """Read a result written by :meth:`save`."""
        folder = Path(path)
        if not (folder / "search.json").is_file():
            raise FileNotFoundError(f"{folder} has no search.json; not a saved SearchResult")
        meta = load_json(folder / "search.json")
        arrays = load_npz(folder / "arrays.npz")
        metrics = {k[len("metrics/") :]: v for k, v in arrays.items() if k.startswith("metrics/")}
        return cls(
            configs=tuple(meta["configs"]),
            metrics=metrics,
            metric=meta["metric"],
            strategy=meta["strategy"],
            test=meta["test"],
            info=meta["info"],
            **{name: arrays[name] for name in _ARRAYS},
        )

    def __repr__(self) -> str:
        return (
            f"SearchResult({self.strategy}, {self.n_trials} trials, "
            f"{int(np.sum(self.resource))} steps, by {self.metric})"
        )


def _short(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
