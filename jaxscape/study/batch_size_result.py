"""``BatchSizeResult``: a learning rate x batch size grid read after equal epochs and steps."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from jaxscape._folder import write_folder
from jaxscape._frame import rows_frame
from jaxscape._io import load_json, load_npz, save_json, save_npz
from jaxscape._result import higher_is_better

Budget = Literal["epochs", "steps"]
_FILES = ("batch_size.json", "curves.npz")
_ARRAYS = ("learning_rates", "batch_sizes", "seeds", "steps", "curves", "diverged", "epoch_steps")


@dataclass(frozen=True, eq=False)
class BatchSizeResult:
    """What :func:`~jaxscape.study.batch_size` returns.

    Attributes:
      learning_rates: ``[L]`` ascending.
      batch_sizes: ``[B]`` ascending.
      seeds: ``[R]``.
      steps: ``[T]`` recorded step counts.
      curves: ``[L, B, R, T]`` the metric at each recorded step (NaN once diverged).
      diverged: ``[L, B, R]`` bool.
      epoch_steps: ``[B]`` the step at which each batch size has seen ``epochs`` epochs.
      equal_steps: the equal-steps budget.
      epochs: the equal-epochs budget.
      metric: the metric read, e.g. ``"val_accuracy"``.
      info: problem, optimizer and timings.

    Example:
      >>> import numpy as np
      >>> acc = np.array([[0.5, 0.4], [0.9, 0.6], [0.7, 0.8]])  # [L=3, B=2] after equal epochs
      >>> curves = np.stack([acc, acc], -1)[:, :, None, :]       # [L, B, R=1, T=2]
      >>> r = BatchSizeResult(np.array([0.1, 0.2, 0.4]), np.array([8, 16]), np.array([0]),
      ...                     np.array([5, 10]), curves, np.zeros((3, 2, 1), bool),
      ...                     np.array([10, 5]), 10, 1.0, "val_accuracy")
      >>> r.best_rates().tolist(), r.linear_rule().tolist(), r.follows_linear_rule().tolist()
      ([0.2, 0.4], [0.2, 0.4], [True, True])
      >>> r.rate_to_reach(0.7).tolist()
      [0.2, 0.4]
    """

    learning_rates: np.ndarray
    batch_sizes: np.ndarray
    seeds: np.ndarray
    steps: np.ndarray
    curves: np.ndarray
    diverged: np.ndarray
    epoch_steps: np.ndarray
    equal_steps: int
    epochs: float
    metric: str
    info: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ the two grids
    def _at(self, steps: np.ndarray) -> np.ndarray:
        """``[L, B]`` seed means at each batch size's step ``steps[b]`` (NaN: a seed diverged
        by then)."""
        cols = np.searchsorted(self.steps, steps)
        if np.any(cols >= self.steps.size) or np.any(self.steps[cols] != steps):
            raise ValueError(f"steps {steps.tolist()} are not all recorded steps")
        vals = self.curves[:, np.arange(self.batch_sizes.size), :, cols]  # [B, L, R]
        return np.moveaxis(vals.mean(axis=-1), 0, 1)

    @property
    def at_equal_epochs(self) -> np.ndarray:
        """``[L, B]`` the metric after ``epochs`` epochs (each batch size at its own step)."""
        return self._at(self.epoch_steps)

    @property
    def at_equal_steps(self) -> np.ndarray:
        """``[L, B]`` the metric after ``equal_steps`` steps (every batch size)."""
        return self._at(np.full(self.batch_sizes.size, self.equal_steps))

    def grid(self, budget: Budget = "epochs") -> np.ndarray:
        """``[L, B]``: :attr:`at_equal_epochs` or :attr:`at_equal_steps`."""
        if budget not in ("epochs", "steps"):
            raise ValueError(f"budget must be 'epochs' or 'steps', got {budget!r}")
        return self.at_equal_epochs if budget == "epochs" else self.at_equal_steps

    # ------------------------------------------------------------------ the rule
    def best_index(self, budget: Budget = "epochs") -> np.ndarray:
        """``[B]`` row of the best learning rate per batch size (``-1``: every rate diverged)."""
        g = self.grid(budget)
        score = g if higher_is_better(self.metric) else -g
        score = np.where(np.isfinite(score), score, -np.inf)
        best = np.argmax(score, axis=0)
        return np.where(np.isfinite(g).any(axis=0), best, -1)

    def best_rates(self, budget: Budget = "epochs") -> np.ndarray:
        """``[B]`` the best learning rate per batch size (NaN where every rate diverged)."""
        i = self.best_index(budget)
        return np.where(i >= 0, self.learning_rates[np.maximum(i, 0)], np.nan)

    def linear_rule(self, budget: Budget = "epochs") -> np.ndarray:
        """``[B]`` the linear scaling rule through the smallest batch's best rate:
        ``lr(b) = lr*(b_0) * b / b_0``."""
        return self.best_rates(budget)[0] * self.batch_sizes / self.batch_sizes[0]

    def follows_linear_rule(self, budget: Budget = "epochs") -> np.ndarray:
        """``[B]`` bool: the best rate is within one grid step (the median ratio of consecutive
        learning rates) of :meth:`linear_rule`."""
        lr = self.learning_rates
        step = float(np.median(lr[1:] / lr[:-1])) if lr.size > 1 else 2.0
        with np.errstate(invalid="ignore"):
            off = np.abs(np.log(self.best_rates(budget) / self.linear_rule(budget)))
        return off <= np.log(step) * 1.001

    def rate_to_reach(self, target: float, budget: Budget = "epochs") -> np.ndarray:
        """``[B]`` the smallest learning rate whose metric reaches ``target`` (``>=`` for an
        accuracy, ``<=`` for a loss), NaN where none does. Under the linear scaling rule it
        doubles with the batch size: the grid is invariant along ``lr / b`` below the rates
        where stability, not noise, limits training."""
        g = self.grid(budget)
        with np.errstate(invalid="ignore"):
            ok = g >= target if higher_is_better(self.metric) else g <= target
        first = np.argmax(ok, axis=0)
        return np.where(ok.any(axis=0), self.learning_rates[first], np.nan)

    # ------------------------------------------------------------------ protocol
    def rows(self) -> list[dict[str, Any]]:
        """One dict per learning rate x batch size (the seed means of both budgets)."""
        ge, gs = self.at_equal_epochs, self.at_equal_steps
        return [
            {
                "learning_rate": float(lr),
                "batch_size": int(b),
                "epoch_steps": int(self.epoch_steps[j]),
                f"{self.metric}_equal_epochs": float(ge[i, j]),
                f"{self.metric}_equal_steps": float(gs[i, j]),
                "diverged_seeds": int(self.diverged[i, j].sum()),
            }
            for i, lr in enumerate(self.learning_rates)
            for j, b in enumerate(self.batch_sizes)
        ]

    def to_dataframe(self):
        """A pandas ``DataFrame`` of :meth:`rows`."""
        return rows_frame(self.rows())

    def summary(self) -> str:
        """Per batch size: its steps, the best rate at both budgets and the linear rule."""
        head = (
            f"{self.info.get('problem', '')}: {self.metric}, {self.learning_rates.size} rates x "
            f"{self.batch_sizes.size} batch sizes x {self.seeds.size} seeds; equal epochs = "
            f"{self.epochs:g} epochs, equal steps = {self.equal_steps} steps"
        )
        ge, gs = self.at_equal_epochs, self.at_equal_steps
        target = 0.9 * np.nanmax(ge) if np.isfinite(ge).any() else np.nan
        reach = self.rate_to_reach(target)
        lines = [head, "batch  steps(epochs)  best lr(epochs)  metric  linear rule  "
                 f"lr to {target:.3g}  |  best lr(steps)  metric"]  # fmt: skip
        be, bs = self.best_index("epochs"), self.best_index("steps")
        rule, ok = self.linear_rule(), self.follows_linear_rule()
        for j, b in enumerate(self.batch_sizes):
            lines.append(
                f"{b:5d}  {self.epoch_steps[j]:13d}  {_lr(self.learning_rates, be[j]):>15}  "
                f"{_val(ge, be[j], j):>6}  {rule[j]:10.3g}{'*' if ok[j] else ' '}  "
                f"{reach[j]:9.3g}  |  {_lr(self.learning_rates, bs[j]):>14}  "
                f"{_val(gs, bs[j], j):>6}"
            )
        lines.append(
            "* best rate within one grid step of the linear rule (equal epochs); "
            f"lr to {target:.3g}: the smallest rate reaching 90% of the best {self.metric} "
            "after equal epochs"
        )
        return "\n".join(lines)

    def plot(self, path: str | os.PathLike | None = None, **kwargs: Any):
        """Two heat maps (see :func:`jaxscape.plot.batch_size.plot_batch_size`)."""
        from jaxscape.plot.batch_size import plot_batch_size

        return plot_batch_size(self, path=path, **kwargs)

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``batch_size.json`` (settings, rows) and ``curves.npz`` (the arrays) into the
        folder ``path``."""

        def write(folder: Path) -> None:
            meta = {
                "equal_steps": self.equal_steps,
                "epochs": self.epochs,
                "metric": self.metric,
                "info": self.info,
                "rows": self.rows(),
            }
            save_json(folder / "batch_size.json", meta)
            save_npz(folder / "curves.npz", {k: getattr(self, k) for k in _ARRAYS})

        return write_folder(path, write, _FILES)

    @classmethod
    def load(cls, path: str | os.PathLike) -> BatchSizeResult:
        """Read a result written by :meth:`save`."""
        folder = Path(path)
        if not (folder / "batch_size.json").is_file():
            raise FileNotFoundError(f"{folder} has no batch_size.json; not a saved result")
        meta = load_json(folder / "batch_size.json")
        arrays = load_npz(folder / "curves.npz")
        return cls(
            **{k: arrays[k] for k in _ARRAYS},
            equal_steps=int(meta["equal_steps"]),
            epochs=float(meta["epochs"]),
            metric=str(meta["metric"]),
            info=dict(meta["info"]),
        )


def _lr(rates: np.ndarray, i: int) -> str:
    return "diverged" if i < 0 else f"{rates[i]:.3g}"


def _val(grid: np.ndarray, i: int, j: int) -> str:
    return "-" if i < 0 else f"{grid[i, j]:.3f}"
