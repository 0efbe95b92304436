"""``EdgeOfStability``: loss and sharpness curves of full-batch gradient descent at several
rates, beside each rate's stability threshold ``2 / eta``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from jaxscape._folder import write_folder
from jaxscape._frame import rows_frame
from jaxscape._io import load_json, load_npz, save_json, save_npz

_FILES = ("edge_of_stability.json", "curves.npz")


@dataclass(frozen=True, eq=False)
class EdgeOfStability:
    """What :func:`~jaxscape.study.edge_of_stability` returns.

    Attributes:
      learning_rate: ``[N]`` the rates ``eta``.
      steps: ``[T]`` recorded step counts (ends of the recording windows).
      train_loss: ``[N, T]`` the full-batch training loss, mean over each window's steps.
      sharpness: ``[N, T]`` the top Hessian eigenvalue of the training loss at each window's
        end (power iteration, see :mod:`jaxscape.population.sharpness`); NaN once diverged.
      diverged: ``[N]`` bool.
      info: settings and timings.

    Example:
      >>> import numpy as np
      >>> r = EdgeOfStability(np.array([0.1]), np.array([10, 20]), np.array([[1.0, 0.5]]),
      ...                     np.array([[12.0, 19.0]]), np.zeros(1, bool))
      >>> r.threshold.tolist(), r.edge_ratio(0.5).round(2).tolist()
      ([20.0], [0.95])
    """

    learning_rate: np.ndarray
    steps: np.ndarray
    train_loss: np.ndarray
    sharpness: np.ndarray
    diverged: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def threshold(self) -> np.ndarray:
        """``[N]`` the stability threshold ``2 / eta`` of gradient descent on a quadratic."""
        return 2.0 / np.asarray(self.learning_rate, np.float64)

    def edge_ratio(self, last: float = 0.5) -> np.ndarray:
        """``[N]`` mean of ``sharpness / (2 / eta)`` over the last ``last`` fraction of records
        (NaN for a diverged trial); about 1 for a trial at the edge of stability."""
        if not 0.0 < last <= 1.0:
            raise ValueError(f"last must be in (0, 1], got {last}")
        t = self.sharpness.shape[1]
        tail = self.sharpness[:, t - max(1, round(last * t)) :]
        with np.errstate(all="ignore"):
            return np.nanmean(tail, axis=1) / self.threshold if tail.size else tail

    def rows(self) -> list[dict[str, Any]]:
        """One dict per rate: threshold, peak and final sharpness, edge ratio, final loss, the
        recorded loss increases (a non-monotone descent), divergence."""
        ratio = self.edge_ratio()
        out = []
        for i, lr in enumerate(self.learning_rate.tolist()):
            s, loss = self.sharpness[i], self.train_loss[i]
            finite = np.isfinite(s).any()
            out.append(
                {
                    "learning_rate": float(lr),
                    "threshold": float(self.threshold[i]),
                    "max_sharpness": float(np.nanmax(s)) if finite else float("nan"),
                    "final_sharpness": float(s[-1]),
                    "edge_ratio": float(ratio[i]),
                    "final_loss": float(loss[-1]),
                    "loss_increases": int(np.sum(np.diff(loss) > 0)),
                    "diverged": bool(self.diverged[i]),
                }
            )
        return out

    def summary(self) -> str:
        """A line per rate: ``2/eta``, the sharpness over the last half against it, the loss."""
        lines = ["rate     2/eta   max sharpness  last-half mean/(2/eta)  final loss  rises"]
        for r in self.rows():
            lines.append(
                f"{r['learning_rate']:<8.4g} {r['threshold']:<7.3g} {r['max_sharpness']:<14.4g} "
                f"{r['edge_ratio']:<23.3f} {r['final_loss']:<11.4g} {r['loss_increases']}"
                + (" (diverged)" if r["diverged"] else "")
            )
        return "\n".join(lines)

    def to_dataframe(self):
        """A pandas ``DataFrame`` of :meth:`rows`, one row per rate."""
        return rows_frame(self.rows())

    def plot(self, path: str | os.PathLike | None = None, **kwargs: Any):
        """Loss and sharpness against the step (see
        :func:`jaxscape.plot.edge_of_stability.plot_edge_of_stability`)."""
        from jaxscape.plot.edge_of_stability import plot_edge_of_stability

        return plot_edge_of_stability(self, path=path, **kwargs)

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``edge_of_stability.json`` (rates, divergence, settings, rows) and
        ``curves.npz`` (``steps`` and the ``[N, T]`` curves) into the folder ``path``."""

        def write(folder: Path) -> None:
            meta = {
                "learning_rate": self.learning_rate.tolist(),
                "diverged": self.diverged.tolist(),
                "info": self.info,
                "rows": self.rows(),
            }
            save_json(folder / "edge_of_stability.json", meta)
            curves = {"steps": self.steps, "train_loss": self.train_loss}
            save_npz(folder / "curves.npz", {**curves, "sharpness": self.sharpness})

        return write_folder(path, write, _FILES)

    @classmethod
    def load(cls, path: str | os.PathLike) -> EdgeOfStability:
        """Read a result written by :meth:`save`."""
        folder = Path(path)
        if not (folder / "edge_of_stability.json").is_file():
            raise FileNotFoundError(f"{folder} has no edge_of_stability.json")
        meta = load_json(folder / "edge_of_stability.json")
        curves = load_npz(folder / "curves.npz")
        return cls(
            learning_rate=np.asarray(meta["learning_rate"], np.float64),
            steps=curves["steps"],
            train_loss=curves["train_loss"],
            sharpness=curves["sharpness"],
            diverged=np.asarray(meta["diverged"], bool),
            info=meta["info"],
        )
