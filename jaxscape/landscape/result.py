"""Landscape results: ``LandscapeLine`` (``[K]`` points) and ``LandscapeSurface`` (``[ny, nx]``).

Both follow the result protocol of :mod:`jaxscape._result` (frozen; ``save``/``load``,
``plot``, ``to_dataframe``, ``summary``); their default metric is the training loss, else the
test loss. Both save into a folder as ``landscape.json`` (kind, metadata, metric names) and
``arrays.npz`` (coordinates and metrics), written atomically; nothing is pickled, and a loaded
result equals the saved one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from jaxscape._frame import rows_frame
from jaxscape._io import load_json, load_npz, save_json, save_npz
from jaxscape._result import check_metric

LINE_FORMAT = "jaxscape.landscape.line/1"
SURFACE_FORMAT = "jaxscape.landscape.surface/1"
_JSON, _NPZ = "landscape.json", "arrays.npz"


def landscape_metric(metrics: dict[str, np.ndarray], metric: str | None) -> str:
    """``metric``, or the landscape default: the training loss, else the test loss."""
    return check_metric(metrics, metric, quantities=("loss",), splits=("train", "test"))


def held_out_metric(metrics: dict[str, np.ndarray]) -> str:
    """The metric reports show: the validation loss, else the test loss, else the training loss.

    >>> held_out_metric({"train_loss": 1.0, "test_loss": 2.0})
    'test_loss'
    """
    return check_metric(metrics, None, quantities=("loss",), splits=("val", "test", "train"))


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _range_text(values: np.ndarray, metric: str) -> str:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return f"  {metric}: no finite value"
    bad = values.size - finite.size
    extra = f" ({bad} non-finite point(s))" if bad else ""
    return f"  range of {metric}: [{_fmt(finite.min())}, {_fmt(finite.max())}]{extra}"


def _read(path: str | os.PathLike, expected: str) -> tuple[dict, dict[str, np.ndarray]]:
    folder = Path(path)
    if not (folder / _JSON).is_file():
        raise FileNotFoundError(f"{folder} has no {_JSON}; not a saved landscape")
    meta = load_json(folder / _JSON)
    if meta.get("format") != expected:
        raise ValueError(f"{folder} holds a {meta.get('format')!r} result, not {expected!r}")
    return meta, load_npz(folder / _NPZ)


def _metric_arrays(raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k[len("metric/") :]: v for k, v in raw.items() if k.startswith("metric/")}


@dataclass(frozen=True)
class LandscapeLine:
    """Metrics along a line in weight space.

    Attributes:
      alphas: ``[K]`` coordinates along the line (``theta + alpha d``, or for an interpolation
        ``(1 - alpha) theta_a + alpha theta_b``: ``0`` is the start, ``1`` the end).
      metrics: ``{name: [K]}`` exact means over each split, e.g. ``"train_loss"``,
        ``"train_accuracy"``, ``"test_loss"``, ``"test_accuracy"``.
      metadata: how it was made: ``kind`` (``"line"`` or ``"interpolation"``), ``direction``,
        ``normalization``, ``ignore_biasbn``, ``move``, ``problem``, ``splits``,
        ``endpoints`` (interpolations), chunking and timing, and any user ``label``.

    Example:
      >>> import numpy as np
      >>> line = LandscapeLine(np.linspace(-1, 1, 5), {"train_loss": np.array([4., 1, 0, 1, 4])})
      >>> line.minimum()
      (0.0, 0.0)
    """

    alphas: np.ndarray
    metrics: dict[str, np.ndarray]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """A short label: the user's ``label`` or the problem and direction kind."""
        md = self.metadata
        if md.get("label"):
            return str(md["label"])
        what = md.get("kind", "line")
        return f"{md.get('problem', 'landscape')}: {what}"

    def minimum(self, metric: str | None = None) -> tuple[float, float]:
        """``(alpha, value)`` where ``metric`` (default ``train_loss``) is smallest (no NaNs)."""
        metric = landscape_metric(self.metrics, metric)
        values = np.asarray(self.metrics[metric], dtype=np.float64)
        if not np.any(np.isfinite(values)):
            return float("nan"), float("nan")
        i = int(np.nanargmin(np.where(np.isfinite(values), values, np.nan)))
        return float(self.alphas[i]), float(values[i])

    def value_at(self, alpha: float, metric: str | None = None) -> float:
        """``metric`` at ``alpha`` (linear interpolation between points; NaN outside the range)."""
        metric = landscape_metric(self.metrics, metric)
        a = np.asarray(self.alphas, dtype=np.float64)
        if not a.min() <= alpha <= a.max():
            return float("nan")
        order = np.argsort(a)
        return float(np.interp(alpha, a[order], np.asarray(self.metrics[metric])[order]))

    def to_dataframe(self):
        """One row per point: ``alpha`` and every metric (a pandas ``DataFrame``)."""
        names = list(self.metrics)
        return rows_frame(
            {"alpha": float(a), **{k: float(self.metrics[k][i]) for k in names}}
            for i, a in enumerate(np.asarray(self.alphas))
        )

    def summary(self, metric: str | None = None) -> str:
        """The minimum of ``metric`` (default: training loss), its value at ``alpha = 0`` (and
        at ``1`` for an interpolation) and its range, as a few lines of text."""
        metric = landscape_metric(self.metrics, metric)
        a, v = self.minimum(metric)
        lines = [
            f"{self.label}: {len(self.alphas)} points, alpha in "
            f"[{_fmt(float(np.min(self.alphas)))}, {_fmt(float(np.max(self.alphas)))}]",
            f"  min {metric} {_fmt(v)} at alpha = {_fmt(a)}",
        ]
        held = "test_accuracy" if "test_accuracy" in self.metrics else None
        for alpha in self.metadata.get("endpoints") or [0.0]:
            value = self.value_at(alpha, metric)
            if np.isfinite(value):
                extra = f", {held} {_fmt(self.value_at(alpha, held))}" if held else ""
                lines.append(f"  at alpha = {alpha:g}: {metric} {_fmt(value)}{extra}")
        lines.append(_range_text(np.asarray(self.metrics[metric], dtype=np.float64), metric))
        return "\n".join(lines)

    def plot(self, path: str | os.PathLike | None = None, **kwargs: Any):
        """The figure of :func:`jaxscape.plot.landscape.plot_line` (written to ``path``)."""
        from jaxscape.plot.landscape import plot_line

        return plot_line(self, path=path, **kwargs)

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``landscape.json`` and ``arrays.npz`` into the folder ``path``."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {"alphas": self.alphas, **{f"metric/{k}": v for k, v in self.metrics.items()}}
        save_npz(folder / _NPZ, arrays)
        save_json(
            folder / _JSON,
            {"format": LINE_FORMAT, "metrics": list(self.metrics), "metadata": self.metadata},
        )
        return folder

    @classmethod
    def load(cls, path: str | os.PathLike) -> LandscapeLine:
        """Read a line written by :meth:`save`."""
        meta, raw = _read(path, LINE_FORMAT)
        metrics = _metric_arrays(raw)
        return cls(
            alphas=raw["alphas"],
            metrics={k: metrics[k] for k in meta["metrics"]},
            metadata=meta["metadata"],
        )


@dataclass(frozen=True)
class LandscapeSurface:
    """Metrics on a plane ``theta + x dx + y dy``.

    Attributes:
      xs: ``[nx]`` coordinates along ``dx``.
      ys: ``[ny]`` coordinates along ``dy``.
      metrics: ``{name: [ny, nx]}``; ``metrics[m][i, j]`` is at ``(xs[j], ys[i])`` (rows are
        ``y``, as ``matplotlib.contour(xs, ys, z)`` expects).
      metadata: as for :class:`LandscapeLine` (``kind="plane"``).
      trajectory: optional ``[T, 2]`` coordinates of a training trajectory in the plane.
      explained_variance: optional ``[2]`` explained-variance ratios of PCA directions.

    Example:
      >>> import numpy as np
      >>> xs, ys = np.linspace(-1, 1, 3), np.linspace(-1, 1, 2)
      >>> surf = LandscapeSurface(xs, ys, {"train_loss": np.add.outer(ys**2, xs**2)})
      >>> surf.minimum()
      (0.0, -1.0, 1.0)
    """

    xs: np.ndarray
    ys: np.ndarray
    metrics: dict[str, np.ndarray]
    metadata: dict[str, Any] = field(default_factory=dict)
    trajectory: np.ndarray | None = None
    explained_variance: np.ndarray | None = None

    @property
    def label(self) -> str:
        md = self.metadata
        return str(md.get("label") or f"{md.get('problem', 'landscape')}: plane")

    def minimum(self, metric: str | None = None) -> tuple[float, float, float]:
        """``(x, y, value)`` where ``metric`` (default ``train_loss``) is smallest."""
        metric = landscape_metric(self.metrics, metric)
        z = np.asarray(self.metrics[metric], dtype=np.float64)
        if not np.any(np.isfinite(z)):
            return float("nan"), float("nan"), float("nan")
        i, j = np.unravel_index(int(np.nanargmin(np.where(np.isfinite(z), z, np.nan))), z.shape)
        return float(self.xs[j]), float(self.ys[i]), float(z[i, j])

    def value_at_centre(self, metric: str | None = None) -> float:
        """``metric`` at ``(0, 0)`` when the grid holds that point, else NaN."""
        metric = landscape_metric(self.metrics, metric)
        i, j = np.flatnonzero(self.ys == 0.0), np.flatnonzero(self.xs == 0.0)
        return float(self.metrics[metric][i[0], j[0]]) if i.size and j.size else float("nan")

    def to_dataframe(self):
        """One row per grid point: ``x``, ``y`` and every metric (a pandas ``DataFrame``)."""
        names = list(self.metrics)
        return rows_frame(
            {"x": float(x), "y": float(y), **{k: float(self.metrics[k][i, j]) for k in names}}
            for i, y in enumerate(np.asarray(self.ys))
            for j, x in enumerate(np.asarray(self.xs))
        )

    def summary(self, metric: str | None = None) -> str:
        """The minimum of ``metric`` (default: training loss), its value at the centre and its
        range, as a few lines of text."""
        metric = landscape_metric(self.metrics, metric)
        x, y, v = self.minimum(metric)
        ny, nx = np.shape(self.metrics[metric])
        lines = [
            f"{self.label}: {ny} x {nx} points",
            f"  min {metric} {_fmt(v)} at (x, y) = ({_fmt(x)}, {_fmt(y)})",
        ]
        centre = self.value_at_centre(metric)
        if np.isfinite(centre):
            lines.append(f"  at the centre: {metric} {_fmt(centre)}")
        lines.append(_range_text(np.asarray(self.metrics[metric], dtype=np.float64), metric))
        if self.explained_variance is not None:
            ev = np.asarray(self.explained_variance, dtype=np.float64)
            lines.append(f"  PCA directions explain {100 * ev[0]:.1f}% + {100 * ev[1]:.1f}%")
        return "\n".join(lines)

    def plot(self, path: str | os.PathLike | None = None, **kwargs: Any):
        """The figure of :func:`jaxscape.plot.landscape.plot_plane` (written to ``path``);
        ``kind=`` picks contour lines (default), filled contours, a heat map or a 3-D surface."""
        from jaxscape.plot.landscape import plot_plane

        return plot_plane(self, path=path, **kwargs)

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``landscape.json`` and ``arrays.npz`` into the folder ``path``."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {"xs": self.xs, "ys": self.ys}
        arrays.update({f"metric/{k}": v for k, v in self.metrics.items()})
        if self.trajectory is not None:
            arrays["trajectory"] = self.trajectory
        if self.explained_variance is not None:
            arrays["explained_variance"] = self.explained_variance
        save_npz(folder / _NPZ, arrays)
        save_json(
            folder / _JSON,
            {"format": SURFACE_FORMAT, "metrics": list(self.metrics), "metadata": self.metadata},
        )
        return folder

    @classmethod
    def load(cls, path: str | os.PathLike) -> LandscapeSurface:
        """Read a surface written by :meth:`save`."""
        meta, raw = _read(path, SURFACE_FORMAT)
        metrics = _metric_arrays(raw)
        return cls(
            xs=raw["xs"],
            ys=raw["ys"],
            metrics={k: metrics[k] for k in meta["metrics"]},
            metadata=meta["metadata"],
            trajectory=raw.get("trajectory"),
            explained_variance=raw.get("explained_variance"),
        )


def load_landscape(path: str | os.PathLike) -> LandscapeLine | LandscapeSurface:
    """Load a saved line or surface, whichever the folder holds.

    Example:
      >>> import numpy as np, tempfile
      >>> line = LandscapeLine(np.zeros(2), {"train_loss": np.ones(2)})
      >>> type(load_landscape(line.save(tempfile.mkdtemp()))).__name__
      'LandscapeLine'
    """
    folder = Path(path)
    if not (folder / _JSON).is_file():
        raise FileNotFoundError(f"{folder} has no {_JSON}; not a saved landscape")
    fmt = load_json(folder / _JSON).get("format")
    if fmt == LINE_FORMAT:
        return LandscapeLine.load(folder)
    if fmt == SURFACE_FORMAT:
        return LandscapeSurface.load(folder)
    raise ValueError(f"{folder}: unknown landscape format {fmt!r}")
