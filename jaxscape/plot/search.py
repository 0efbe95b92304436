"""Figures of a search: incumbent trajectories, score against each parameter, a heat map.

Every function takes :class:`~jaxscape.search.SearchResult` objects; pass the
:class:`~jaxscape.search.Space` to put log axes exactly where the space is log
(``reverse_log_uniform`` parameters are shown as ``1 - x`` on a log axis); without it an axis
is log when its values are positive and span more than a factor 20.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from jaxscape._result import label as _label
from jaxscape.plot._style import (
    PALETTE,
    figure_and_axes,
    finish,
    log_axis,
    new_figure,
    style_axes,
)
from jaxscape.search import params as P
from jaxscape.search.result import SearchResult
from jaxscape.search.space import Choice, Space

DIVERGED = "#c0392b"


def _as_named(results: Any) -> dict[str, SearchResult]:
    if isinstance(results, SearchResult):
        return {results.strategy: results}
    if isinstance(results, Mapping):
        return dict(results)
    if isinstance(results, Sequence):
        return {r.strategy: r for r in results}
    raise TypeError(f"results must be SearchResult(s), got {type(results).__name__}")


def plot_incumbent(
    results: SearchResult | Mapping[str, SearchResult] | Sequence[SearchResult],
    *,
    against: str = "steps",
    ax=None,
    title: str | None = None,
    path: str | os.PathLike | None = None,
) -> Figure:
    """Best score so far against training steps spent (or wall time), one line per strategy.

    Example:
      >>> import numpy as np
      >>> from jaxscape.search import SearchResult
      >>> r = SearchResult(configs=({"lr": 0.1}, {"lr": 0.2}), metrics={"val_loss":
      ...     np.array([0.5, 0.2])}, metric="val_loss", resource=np.array([10, 10]),
      ...     round=np.zeros(2, int), bracket=-np.ones(2, int), rung=-np.ones(2, int),
      ...     wall_time=np.array([1.0, 2.0]), trial=np.arange(2), diverged=np.zeros(2, bool),
      ...     strategy="random")
      >>> fig = plot_incumbent(r)
    """
    named = _as_named(results)
    fig, ax = figure_and_axes(ax, 6.0, 3.8)
    metric = None
    for k, (name, res) in enumerate(named.items()):
        metric = res.metric
        x, y = res.incumbent(against)
        if not x.size:
            continue
        color = PALETTE[k % len(PALETTE)]
        ax.step(x, y, where="post", color=color, lw=1.6, label=f"{name} ({res.n_trials})")
        ax.plot(x, res.scores, ".", color=color, ms=3, alpha=0.35)
    xlabel = "training steps spent" if against == "steps" else "wall time (s)"
    style_axes(
        ax,
        xlabel=xlabel,
        ylabel=f"best {_label(metric or 'score')} so far",
        title=title or "incumbent trajectory",
    )
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False)
    return finish(fig, path)


def _kinds(space: Space | None) -> dict[str, Any]:
    """Every numeric parameter's kind, across branches (the first seen by name)."""
    out: dict[str, Any] = {}

    def walk(spec):
        for name, kind in spec.items():
            if isinstance(kind, Choice):
                for body in kind.branches.values():
                    walk(body)
            elif isinstance(kind, P.Uniform | P.IntUniform):
                out.setdefault(name, kind)

    if space is not None:
        walk(space.spec)
    return out


def numeric_params(res: SearchResult) -> list[str]:
    """Names of the numeric parameters that take more than one value across the trials."""
    names = dict.fromkeys(
        k
        for c in res.configs
        for k, v in c.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    )
    return [k for k in names if len({c[k] for c in res.configs if k in c}) > 1]


def _axis(res: SearchResult, name: str, kind: Any) -> tuple[np.ndarray, str, bool]:
    """``(values [N] (NaN where absent), label, log)``."""
    x = np.asarray([c.get(name, np.nan) for c in res.configs], dtype=np.float64)
    if isinstance(kind, P.ReverseLogUniform):
        return 1.0 - x, f"1 - {_label(name)}", True
    if kind is not None:
        return x, _label(name), bool(kind.log)
    v = x[np.isfinite(x)]
    return x, _label(name), bool(v.size and np.all(v > 0) and v.max() / v.min() > 20)


def plot_slices(
    res: SearchResult,
    space: Space | None = None,
    *,
    params: Sequence[str] | None = None,
    path: str | os.PathLike | None = None,
) -> Figure:
    """The score of every trial against each numeric parameter (one panel each), coloured by
    structure; diverged trials are red crosses along the bottom.

    Example:
      >>> import numpy as np
      >>> from jaxscape.search import SearchResult
      >>> r = SearchResult(configs=({"lr": 0.1}, {"lr": 0.01}), metrics={"val_loss":
      ...     np.array([0.5, 0.2])}, metric="val_loss", resource=np.array([10, 10]),
      ...     round=np.zeros(2, int), bracket=-np.ones(2, int), rung=-np.ones(2, int),
      ...     wall_time=np.array([1.0, 2.0]), trial=np.arange(2), diverged=np.zeros(2, bool),
      ...     strategy="random")
      >>> fig = plot_slices(r)
    """
    names = list(params) if params is not None else numeric_params(res)
    if not names:
        raise ValueError("the search has no numeric parameter that varies")
    kinds = _kinds(space)
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    fig = new_figure(3.3 * cols, 2.8 * rows)
    structures = [_structure(c) for c in res.configs]
    palette = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(dict.fromkeys(structures))}
    y = res.scores
    for k, name in enumerate(names):
        ax = fig.add_subplot(rows, cols, k + 1)
        x, label, log = _axis(res, name, kinds.get(name))
        for s, color in palette.items():
            sel = np.asarray([t == s for t in structures]) & np.isfinite(x) & np.isfinite(y)
            if sel.any():
                ax.plot(x[sel], y[sel], "o", ms=3.5, color=color, alpha=0.8, label=s or None)
        bad = ~np.isfinite(y) & np.isfinite(x)
        if bad.any():
            ax.plot(
                x[bad],
                np.full(bad.sum(), np.nanmin(y) if np.isfinite(y).any() else 0),
                "x",
                color=DIVERGED,
                ms=5,
            )
        if log:
            log_axis(ax, "x")
        style_axes(ax, xlabel=label, ylabel=_label(res.metric) if k % cols == 0 else None)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    if len(labels) > 1:
        fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=min(4, len(labels)),
            frameon=False,
            fontsize=7,
        )
    return finish(fig, path)


def _structure(config: Mapping[str, Any]) -> str:
    return " / ".join(str(v) for v in config.values() if isinstance(v, str))


def plot_heatmap(
    res: SearchResult,
    x: str,
    y: str,
    space: Space | None = None,
    *,
    bins: int = 10,
    ax=None,
    path: str | os.PathLike | None = None,
) -> Figure:
    """The best score in each cell of a ``bins`` x ``bins`` grid over parameters ``x`` and
    ``y`` (log-spaced cells on log axes), with every trial as a dot.

    Example:
      >>> import numpy as np
      >>> from jaxscape.search import SearchResult
      >>> r = SearchResult(configs=tuple({"lr": 10.0 ** -i, "m": i / 5} for i in range(4)),
      ...     metrics={"val_loss": np.arange(4.0)}, metric="val_loss",
      ...     resource=np.full(4, 10), round=np.zeros(4, int), bracket=-np.ones(4, int),
      ...     rung=-np.ones(4, int), wall_time=np.arange(4.0), trial=np.arange(4),
      ...     diverged=np.zeros(4, bool), strategy="random")
      >>> fig = plot_heatmap(r, "lr", "m", bins=3)
    """
    kinds = _kinds(space)
    xs, xlabel, xlog = _axis(res, x, kinds.get(x))
    ys, ylabel, ylog = _axis(res, y, kinds.get(y))
    score = res.scores
    sel = np.isfinite(xs) & np.isfinite(ys)
    if sel.sum() < 2:
        raise ValueError(f"fewer than two trials have both {x!r} and {y!r}")
    ex, ey = _edges(xs[sel], xlog, bins), _edges(ys[sel], ylog, bins)
    ix = np.clip(np.searchsorted(ex, xs[sel], side="right") - 1, 0, bins - 1)
    iy = np.clip(np.searchsorted(ey, ys[sel], side="right") - 1, 0, bins - 1)
    grid = np.full((bins, bins), np.nan)
    key = res._key(score[sel])
    for a, b, k, s in zip(ix, iy, key, score[sel], strict=True):
        if np.isfinite(s) and (np.isnan(grid[b, a]) or k > res._key(np.array([grid[b, a]]))[0]):
            grid[b, a] = s
    fig, ax = figure_and_axes(ax, 5.4, 4.2)
    cmap = "viridis" if res._key(np.array([1.0]))[0] > 0 else "viridis_r"
    mesh = ax.pcolormesh(ex, ey, np.ma.masked_invalid(grid), cmap=cmap, shading="flat")
    ax.plot(xs[sel], ys[sel], ".", color="white", ms=3, mec="black", mew=0.3)
    fig.colorbar(mesh, ax=ax, label=f"best {_label(res.metric)}")
    if xlog:
        log_axis(ax, "x")
    if ylog:
        log_axis(ax, "y")
    style_axes(ax, xlabel=xlabel, ylabel=ylabel, title=f"{res.strategy}: best per cell", grid=False)
    return finish(fig, path)


def _edges(v: np.ndarray, log: bool, bins: int) -> np.ndarray:
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:
        lo, hi = (lo / 2, hi * 2) if log else (lo - 0.5, hi + 0.5)
    return np.geomspace(lo, hi, bins + 1) if log else np.linspace(lo, hi, bins + 1)


def rung_paths(res: SearchResult) -> dict[int, list[tuple[np.ndarray, np.ndarray]]]:
    """Each Hyperband configuration's path through its bracket's rungs.

    Returns ``{bracket: [(steps [R_c], scores [R_c]), ...]}``, one pair per configuration in
    the order it was first recorded; ``R_c`` is the number of rungs it reached, ``steps`` the
    cumulative sum of its :attr:`~SearchResult.resource` (the steps it has trained in all)
    and ``scores`` its :attr:`~SearchResult.scores` at each rung. A configuration is known by
    its bracket and its values.
    """
    paths: dict[int, dict[str, list[int]]] = {}
    for i in range(res.n_trials):
        b = int(res.bracket[i])
        if b < 0:
            continue
        paths.setdefault(b, {}).setdefault(repr(sorted(res.configs[i].items())), []).append(i)
    scores = res.scores
    return {
        b: [(np.cumsum(res.resource[idx]).astype(np.float64), scores[idx]) for idx in by.values()]
        for b, by in sorted(paths.items())
    }


def plot_rungs(res: SearchResult, *, path: str | os.PathLike | None = None) -> Figure:
    """Hyperband's rungs: one panel per bracket, the validation score of every configuration
    against the steps it has trained in all, one marker per (configuration, rung) and a line
    through each configuration's rungs (see :func:`rung_paths`), so a survivor's path goes on
    and an eliminated one's ends. Configurations that reach the bracket's last rung are drawn
    in colour, the others grey; the legend counts the configurations at each rung.

    Every configuration's line has ``gid="config"``.

    Example:
      >>> import numpy as np
      >>> from jaxscape.search import SearchResult
      >>> r = SearchResult(configs=({"lr": 0.1}, {"lr": 0.2}, {"lr": 0.2}),
      ...     metrics={"val_loss": np.array([0.5, 0.4, 0.3])}, metric="val_loss",
      ...     resource=np.array([1, 1, 2]), round=np.zeros(3, int),
      ...     bracket=np.zeros(3, int), rung=np.array([0, 0, 1]),
      ...     wall_time=np.arange(3.0), trial=np.arange(3), diverged=np.zeros(3, bool),
      ...     strategy="hyperband")
      >>> fig = plot_rungs(r)
      >>> [ln.get_xdata().tolist() for ln in fig.axes[0].lines]
      [[1.0], [1.0, 3.0]]
    """
    if not isinstance(res, SearchResult):
        raise TypeError(f"res must be a SearchResult, got {type(res).__name__}")
    paths = rung_paths(res)
    if not paths:
        raise ValueError("res has no Hyperband records (every bracket is -1)")
    fig = new_figure(min(4.2 * len(paths), 13.0), 3.6)
    for k, (b, lines) in enumerate(paths.items()):
        ax = fig.add_subplot(1, len(paths), k + 1)
        depth = max(len(x) for x, _ in lines)
        for x, y in sorted(lines, key=lambda p: len(p[0])):  # survivors drawn last, on top
            last = len(x) == depth
            color = PALETTE[0] if last else "#9a9a9a"
            ax.plot(
                x,
                y,
                "o-",
                color=color,
                ms=3.5,
                lw=1.2 if last else 0.7,
                gid="config",
                alpha=1.0 if last else 0.6,
            )
        counts = [sum(len(x) > i for x, _ in lines) for i in range(depth)]
        steps = [next(x[i] for x, _ in lines if len(x) > i) for i in range(depth)]
        text = "\n".join(
            f"rung {i} ({s:g} steps): {n}"
            for i, (n, s) in enumerate(zip(counts, steps, strict=True))
        )
        ax.text(0.98, 0.02, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=7)
        if steps[-1] / steps[0] > 20:
            log_axis(ax, "x")
        style_axes(
            ax,
            xlabel="steps trained",
            ylabel=_label(res.metric) if k == 0 else None,
            title=f"bracket {b}",
        )
    return finish(fig, path)
