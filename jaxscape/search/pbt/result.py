"""``PBTResult``: what population based training returns, and its files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jaxscape._folder import write_folder
from jaxscape._frame import rows_frame
from jaxscape._io import load_json, load_npz, save_json, save_npz

FORMAT = "jaxscape.pbt/1"
FILES = ("pbt.json", "curves.npz", "lineage.npz")


@dataclass(frozen=True)
class PBTResult:
    """A population based training run of ``N`` members over ``K`` intervals.

    Attributes:
      metric: the validation metric members were ranked by; ``maximize`` whether larger wins.
      steps: ``[T]`` recorded steps (every interval's recordings, concatenated).
      metrics: ``{name: [N, T]}`` every member's curves; row ``i`` is member slot ``i``, whose
        state is replaced by its parent's at an exploit.
      diverged: ``[N]`` whether each final member is flagged diverged.
      boundaries: ``[K + 1]`` steps where intervals start and end (``0, ..., steps``); an
        exploit happens at every inner boundary.
      parents: ``[K, N]`` the member whose state member ``i`` started interval ``k`` from
        (itself when it was not replaced; ``-1`` in the first interval).
      hyperparams: ``{name: [K, N]}`` the values member ``i`` trained with in interval ``k``.
      seeds: ``[N]`` each member's initial seed (a copy continues its parent's seed).
      info: settings (space, fixed values, quantile, ...), problem and optimizer names.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(2))
      >>> res = js.search.pbt(prob, js.optim.sgd, {"learning_rate": (0.01, 0.5)}, 20,
      ...                     population=4, exploit=5)
      >>> res.parents.shape, res.schedule()["learning_rate"].shape
      ((4, 4), (4, 4))
    """

    metric: str
    maximize: bool
    steps: np.ndarray
    metrics: dict[str, np.ndarray]
    diverged: np.ndarray
    boundaries: np.ndarray
    parents: np.ndarray
    hyperparams: dict[str, np.ndarray]
    seeds: np.ndarray
    info: dict[str, Any]

    @property
    def n_members(self) -> int:
        return int(self.parents.shape[1])

    @property
    def n_intervals(self) -> int:
        return int(self.parents.shape[0])

    def final(self, metric: str | None = None) -> np.ndarray:
        """``[N]`` each member's last recorded ``metric`` (default: the ranking metric)."""
        return self.metrics[metric or self.metric][:, -1]

    def ancestry(self) -> np.ndarray:
        """``[N, K]``: ``a[i, k]`` is the member whose state final member ``i`` descends from in
        interval ``k`` (``a[i, K-1] = i``; ``a[i, k-1] = parents[k, a[i, k]]``)."""
        n, k = self.n_members, self.n_intervals
        out = np.empty((n, k), np.int64)
        out[:, -1] = np.arange(n)
        for j in range(k - 1, 0, -1):
            out[:, j - 1] = self.parents[j, out[:, j]]
        return out

    def schedule(self) -> dict[str, np.ndarray]:
        """``{name: [N, K]}`` what each final member's state trained with, interval by interval
        (its values along its lineage): the hyperparameter schedule PBT learned."""
        anc = self.ancestry()
        cols = np.arange(self.n_intervals)[None, :]
        return {name: v[cols, anc] for name, v in self.hyperparams.items()}

    def order(self) -> np.ndarray:
        """``[N]`` final members, best first (a non-finite metric last)."""
        vals = self.final()
        score = np.where(np.isfinite(vals), vals if self.maximize else -vals, -np.inf)
        return np.argsort(-score, kind="stable")

    def best(self) -> dict[str, Any]:
        """The best final member: ``member``, its ``metric`` value, its root ``seed`` and its
        ``schedule`` ``{name: [K]}`` over ``boundaries``."""
        i = int(self.order()[0])
        root = int(self.ancestry()[i, 0])
        return {
            "member": i,
            self.metric: float(self.final()[i]),
            "seed": int(self.seeds[root]),
            "schedule": {k: v[i].copy() for k, v in self.schedule().items()},
            "boundaries": self.boundaries.copy(),
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per member and interval: start, end, parent, values, metric at the end."""
        out = []
        ends = np.searchsorted(self.steps, self.boundaries[1:])
        for k in range(self.n_intervals):
            for i in range(self.n_members):
                row = {"interval": k, "member": i, "start": int(self.boundaries[k])}
                row["end"] = int(self.boundaries[k + 1])
                row["parent"] = int(self.parents[k, i])
                row.update({n: float(v[k, i]) for n, v in self.hyperparams.items()})
                row[self.metric] = float(self.metrics[self.metric][i, ends[k]])
                out.append(row)
        return out

    def to_dataframe(self):
        """A pandas ``DataFrame`` of :meth:`rows`, indexed by ``(interval, member)``."""
        return rows_frame(self.rows(), index=["interval", "member"])

    def summary(self, top: int = 5) -> str:
        """A text table of the best final members and their learned schedules."""
        names = list(self.hyperparams)
        sched = self.schedule()
        lines = [
            f"PBT: {self.n_members} members, {self.n_intervals} intervals "
            f"(boundaries {self.boundaries.tolist()}), ranked by {self.metric}"
        ]
        for i in self.order()[:top]:
            parts = [f"{n} " + " > ".join(f"{x:.3g}" for x in sched[n][i]) for n in names]
            lines.append(
                f"  member {i:>3d}  {self.metric} {self.final()[i]:.4g}  " + "; ".join(parts)
            )
        n_div = int(self.diverged.sum())
        lines.append(f"{n_div} final member(s) diverged")
        return "\n".join(lines)

    def plot(self, path: str | os.PathLike | None = None, top: int = 3):
        """The lineage, schedules and curves figure (:func:`jaxscape.plot.pbt.plot_pbt`)."""
        from jaxscape.plot.pbt import plot_pbt

        return plot_pbt(self, path=path, top=top)

    def replay(self, prob: Any, optimizer: Any, **kwargs: Any):
        """Train one fresh run on the best member's schedule
        (:func:`jaxscape.search.pbt.replay_schedule`)."""
        from jaxscape.search.pbt import replay_schedule

        return replay_schedule(prob, optimizer, self, **kwargs)

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike) -> Path:
        """Write the result into the folder ``path`` atomically: ``pbt.json`` (metric, settings,
        seeds, divergence), ``curves.npz`` (``steps`` and every ``[N, T]`` curve) and
        ``lineage.npz`` (boundaries, parents, ``[K, N]`` values). Nothing is pickled."""
        return write_folder(path, self._write, FILES)

    def _write(self, folder: Path) -> None:
        save_npz(folder / "curves.npz", {"steps": self.steps, **self.metrics})
        lineage = {f"hp/{k}": v for k, v in self.hyperparams.items()}
        save_npz(
            folder / "lineage.npz",
            {"boundaries": self.boundaries, "parents": self.parents, **lineage},
        )
        meta = {"format": FORMAT, "metric": self.metric, "maximize": self.maximize}
        meta.update(seeds=self.seeds, diverged=self.diverged, info=self.info)
        meta["hyperparams"] = list(self.hyperparams)
        save_json(folder / "pbt.json", meta)

    @classmethod
    def load(cls, path: str | os.PathLike) -> PBTResult:
        """Read a result written by :meth:`save`."""
        folder = Path(path)
        if not (folder / "pbt.json").is_file():
            raise FileNotFoundError(f"{folder} has no pbt.json; not a saved PBTResult")
        meta = load_json(folder / "pbt.json")
        if meta.get("format") != FORMAT:
            raise ValueError(f"{folder}/pbt.json has format {meta.get('format')!r}, not {FORMAT}")
        curves = load_npz(folder / "curves.npz")
        lineage = load_npz(folder / "lineage.npz")
        steps = curves.pop("steps")
        return cls(
            metric=meta["metric"],
            maximize=bool(meta["maximize"]),
            steps=steps,
            metrics=curves,
            diverged=np.asarray(meta["diverged"], bool),
            boundaries=lineage["boundaries"],
            parents=lineage["parents"],
            hyperparams={k: lineage[f"hp/{k}"] for k in meta["hyperparams"]},
            seeds=np.asarray(meta["seeds"], np.int64),
            info=meta["info"],
        )
