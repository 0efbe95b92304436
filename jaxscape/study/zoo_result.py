"""``ZooResult``: steps and seconds to target for every optimizer x learning rate (x width)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from jaxscape._folder import write_folder
from jaxscape._frame import rows_frame
from jaxscape._io import atomic_write_text, load_json, load_npz, save_json, save_npz

_CURVES = ("steps", "train_accuracy", "train_split_accuracy")
_FILES = ("zoo.json", "zoo.csv", "curves.npz")


@dataclass(frozen=True, eq=False)
class ZooResult:
    """What :func:`~jaxscape.study.optimizer_zoo` returns: one row per trial.

    Attributes:
      optimizer: ``[N]`` optimizer names.
      learning_rate: ``[N]``.
      width: ``[N]`` the CNN's width multiplier.
      num_params: ``[N]`` the model's parameter count.
      steps: ``[T]`` recorded step counts (ends of the recording windows).
      train_accuracy: ``[N, T]`` mean mini-batch training accuracy (dropout on) per window.
      train_split_accuracy: ``[N, T]`` accuracy of the whole training split (evaluation mode).
      steps_to_target: ``[N]`` steps until the streaming accuracy exceeded the target, ``-1``
        for a failure.
      steps_to_train_split: ``[N]`` steps until the whole training split reached it, or ``-1``.
      seconds_per_step: ``[N]`` amortised seconds of one step of one trial in its population.
      diverged: ``[N]`` bool.
      target: the target accuracy.
      info: settings and timings.

    Example:
      >>> import numpy as np
      >>> r = ZooResult(np.array(["GD", "GD"]), np.array([0.1, 1.0]), np.ones(2), np.ones(2),
      ...               np.array([100]), np.ones((2, 1)), np.ones((2, 1)), np.array([100, -1]),
      ...               np.array([100, -1]), np.full(2, 0.01), np.zeros(2, bool), 0.97)
      >>> r.per_optimizer()[0]["successes"], r.seconds_to_target.tolist()
      (1, [1.0, nan])
      >>> print(r.summary())
      rates reaching 97% (streaming criterion), per optimizer
        GD: 1/2 (0.1 … 0.1), best 0.1 (100 steps)
    """

    TRIAL_COLUMNS_FROM_RUN: ClassVar[tuple[str, ...]] = (
        "optimizer",
        "learning_rate",
        "train_accuracy",
        "train_split_accuracy",
        "diverged",
        "seconds_per_step",
    )

    optimizer: np.ndarray
    learning_rate: np.ndarray
    width: np.ndarray
    num_params: np.ndarray
    steps: np.ndarray
    train_accuracy: np.ndarray
    train_split_accuracy: np.ndarray
    steps_to_target: np.ndarray
    steps_to_train_split: np.ndarray
    seconds_per_step: np.ndarray
    diverged: np.ndarray
    target: float
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_trials(self) -> int:
        return int(self.learning_rate.shape[0])

    @property
    def succeeded(self) -> np.ndarray:
        """``[N]`` bool: the streaming criterion was met."""
        return self.steps_to_target >= 0

    @property
    def seconds_to_target(self) -> np.ndarray:
        """``[N]`` amortised seconds to the streaming target (``nan`` for a failure)."""
        s = self.steps_to_target.astype(np.float64) * self.seconds_per_step
        return np.where(self.succeeded, s, np.nan)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per trial (the CSV's rows)."""
        secs = self.seconds_to_target
        return [
            {
                "optimizer": str(self.optimizer[i]),
                "learning_rate": float(self.learning_rate[i]),
                "width": float(self.width[i]),
                "num_params": int(self.num_params[i]),
                "steps_to_target": int(self.steps_to_target[i]),
                "seconds_to_target": float(secs[i]),
                "steps_to_train_split": int(self.steps_to_train_split[i]),
                "final_train_split_accuracy": float(self.train_split_accuracy[i, -1]),
                "diverged": bool(self.diverged[i]),
            }
            for i in range(self.n_trials)
        ]

    def per_optimizer(self) -> list[dict[str, Any]]:
        """Per optimizer (and width): successes of the rates tried, their band, the best rate.

        ``successes``/``band`` use the streaming criterion, ``train_split_successes`` /
        ``train_split_band`` the whole-training-split one; ``best_rate`` needs the fewest
        steps (ties: the smaller rate).
        """
        out = []
        keys = dict.fromkeys(zip(self.optimizer.tolist(), self.width.tolist(), strict=True))
        for name, width in keys:
            m = (self.optimizer == name) & (self.width == width)
            ok = m & self.succeeded
            lrs = self.learning_rate[ok]
            split = self.learning_rate[m & (self.steps_to_train_split >= 0)]
            best = None
            if ok.any():
                order = np.lexsort((self.learning_rate[ok], self.steps_to_target[ok]))
                best = int(np.flatnonzero(ok)[order[0]])
            out.append(
                {
                    "optimizer": name,
                    "width": width,
                    "rates": int(m.sum()),
                    "successes": int(ok.sum()),
                    "band": (float(lrs.min()), float(lrs.max())) if ok.any() else None,
                    "train_split_successes": int(split.size),
                    "train_split_band": (float(split.min()), float(split.max()))
                    if split.size
                    else None,
                    "best_rate": None if best is None else float(self.learning_rate[best]),
                    "best_steps": None if best is None else int(self.steps_to_target[best]),
                }
            )
        return out

    def best_rates(self) -> dict[str, float]:
        """``{optimizer: best rate}`` for the optimizers with at least one success."""
        return {s["optimizer"]: s["best_rate"] for s in self.per_optimizer() if s["best_rate"]}

    def summary(self) -> str:
        """A text line per optimizer (and width): rates reaching the target, their band and the
        best rate with its steps (:meth:`per_optimizer` as text)."""
        lines = [f"rates reaching {self.target:.0%} (streaming criterion), per optimizer"]
        for s in self.per_optimizer():
            band = "none" if s["band"] is None else f"{s['band'][0]:.2g} … {s['band'][1]:.2g}"
            best = "" if s["best_rate"] is None else f", best {s['best_rate']:.2g}"
            steps = "" if s["best_steps"] is None else f" ({s['best_steps']} steps)"
            width = "" if s["width"] == 1 else f" ×{s['width']:g}"
            lines.append(
                f"  {s['optimizer']}{width}: {s['successes']}/{s['rates']} ({band}){best}{steps}"
            )
        return "\n".join(lines)

    def to_dataframe(self):
        """A pandas ``DataFrame`` of :meth:`rows`."""
        return rows_frame(self.rows())

    def plot(
        self,
        path: str | os.PathLike | None = None,
        *,
        x: str = "learning_rate",
        criterion: str = "streaming",
    ):
        """The survey's figure (see :func:`jaxscape.plot.study.plot_zoo`)."""
        from jaxscape.plot.study import plot_zoo

        return plot_zoo(self, path=path, x=x, criterion=criterion)

    @classmethod
    def concat(cls, results: list[ZooResult]) -> ZooResult:
        """Rows of several results (same ``steps`` and target) as one result."""
        if not results:
            raise ValueError("results is empty")
        first = results[0]
        for r in results[1:]:
            if not np.array_equal(r.steps, first.steps) or r.target != first.target:
                raise ValueError("results must share their recorded steps and target")
        cols = {
            f.name: np.concatenate([getattr(r, f.name) for r in results])
            for f in fields(cls)
            if f.name not in ("steps", "target", "info")
        }
        info = {**first.info, "run_s": round(sum(r.info.get("run_s", 0) for r in results), 3)}
        return cls(steps=first.steps, target=first.target, info=info, **cols)

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``zoo.json`` (settings, summary, per-trial columns), ``zoo.csv`` (rows) and
        ``curves.npz`` (``steps`` and the ``[N, T]`` curves) into the folder ``path``."""
        import csv
        import io

        def write(folder: Path) -> None:
            skip = (*_CURVES, "target", "info")
            cols = {
                f.name: getattr(self, f.name).tolist() for f in fields(self) if f.name not in skip
            }
            meta = {"target": self.target, "info": self.info, "summary": self.per_optimizer()}
            save_json(folder / "zoo.json", {**meta, "trials": cols})
            buf = io.StringIO()
            rows = self.rows()
            writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            atomic_write_text(folder / "zoo.csv", buf.getvalue())
            save_npz(folder / "curves.npz", {f: getattr(self, f) for f in _CURVES})

        return write_folder(path, write, _FILES)

    @classmethod
    def load(cls, path: str | os.PathLike) -> ZooResult:
        """Read a result written by :meth:`save`."""
        folder = Path(path)
        if not (folder / "zoo.json").is_file():
            raise FileNotFoundError(f"{folder} has no zoo.json; not a saved ZooResult")
        meta = load_json(folder / "zoo.json")
        curves = load_npz(folder / "curves.npz")
        t = meta["trials"]
        return cls(
            optimizer=np.asarray(t["optimizer"], str),
            learning_rate=np.asarray(t["learning_rate"], np.float64),
            width=np.asarray(t["width"], np.float64),
            num_params=np.asarray(t["num_params"], np.int64),
            steps=curves["steps"],
            train_accuracy=curves["train_accuracy"],
            train_split_accuracy=curves["train_split_accuracy"],
            steps_to_target=np.asarray(t["steps_to_target"], np.int64),
            steps_to_train_split=np.asarray(t["steps_to_train_split"], np.int64),
            seconds_per_step=np.asarray(t["seconds_per_step"], np.float64),
            diverged=np.asarray(t["diverged"], bool),
            target=float(meta["target"]),
            info=dict(meta["info"]),
        )
