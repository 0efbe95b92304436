"""Figures of a :class:`~jaxscape.SweepResult`: final metric against a hyperparameter; curves."""

from __future__ import annotations

import os
import warnings

import numpy as np
from matplotlib import cm, colors
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from jaxscape._result import higher_is_better
from jaxscape._result import label as _label
from jaxscape.plot._style import PALETTE, figure_and_axes, finish, style_axes
from jaxscape.population.judging import Judging
from jaxscape.population.result import SweepResult

DIVERGED = "#c0392b"


def _hparam(res: SweepResult, name: str) -> np.ndarray:
    if name not in res.hyperparams:
        raise ValueError(f"hparam must be one of {sorted(res.hyperparams)}, got {name!r}")
    return np.asarray(res.hyperparams[name], dtype=np.float64)


def _default_color(res: SweepResult) -> str:
    if "learning_rate" in res.hyperparams:
        return "learning_rate"
    varying = [k for k, v in res.hyperparams.items() if np.unique(v).size > 1]
    return varying[0] if varying else "seed"


def _use_log(values: np.ndarray) -> bool:
    v = values[np.isfinite(values)]
    return bool(v.size and np.all(v > 0) and v.max() / v.min() > 20)


def _mean_std(values: np.ndarray) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmean(values)), float(np.nanstd(values))


def plot_final(
    res: SweepResult,
    metric: str | None = None,
    hparam: str = "learning_rate",
    *,
    group_by: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    path: str | os.PathLike | None = None,
) -> Figure:
    """Final ``metric`` of every trial against ``hparam`` (log axis when it spans decades).

    One line per value of ``group_by`` (default: another hyperparameter that varies, if any);
    replicates (a ``seed`` column) are averaged, with their standard deviation as a band.
    Diverged trials are marked with red crosses along the bottom of the axes and counted in the
    legend; they are left out of the lines. Failed trials (:meth:`jaxscape.Judging.failed`: at
    chance, or no better than their start) stay in the lines, ringed and counted in the legend.

    Example:
      >>> import numpy as np, jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
      >>> res = js.sweep(prob, js.optim.sgd, {"learning_rate": np.geomspace(0.01, 4, 9)},
      ...                steps=20, progress=False)
      >>> fig = plot_final(res)
    """
    metric = res._metric(metric)
    x = _hparam(res, hparam)
    y = res.final(metric).astype(np.float64)
    varying = [
        k for k, v in res.hyperparams.items() if k not in (hparam, "seed") and np.unique(v).size > 1
    ]
    if group_by is None and varying:
        group_by = varying[0]
    groups = np.zeros_like(x) if group_by is None else _hparam(res, group_by)
    fig, ax = figure_and_axes(ax)
    ok = ~res.diverged & np.isfinite(y)
    for gi, g in enumerate(np.unique(groups)):
        sel = ok & (groups == g)
        xs = np.unique(x[sel])
        if not xs.size:
            continue
        stats = np.array([_mean_std(y[sel & (x == v)]) for v in xs])
        color = PALETTE[gi % len(PALETTE)]
        label = None if group_by is None else f"{_label(group_by)} = {g:.4g}"
        ax.plot(xs, stats[:, 0], "o-", color=color, ms=3, lw=1.4, label=label)
        if np.any(stats[:, 1] > 0):
            ax.fill_between(
                xs,
                stats[:, 0] - stats[:, 1],
                stats[:, 0] + stats[:, 1],
                color=color,
                alpha=0.18,
                lw=0,
            )
    failed = Judging().failed(res) & np.isfinite(y)
    if np.any(failed):
        ax.scatter(
            x[failed],
            y[failed],
            facecolors="none",
            edgecolors=DIVERGED,
            s=36,
            lw=1.0,
            label=f"failed ({int(failed.sum())}): at chance or no better than the start",
            zorder=3,
        )
    n_div = int(res.diverged.sum())
    if n_div:
        trans = blended_transform_factory(ax.transData, ax.transAxes)
        ax.scatter(
            x[res.diverged],
            np.full(n_div, 0.03),
            transform=trans,
            marker="x",
            color=DIVERGED,
            s=28,
            lw=1.2,
            label=f"diverged ({n_div})",
            zorder=3,
        )
    if _use_log(x):
        ax.set_xscale("log")
    style_axes(
        ax,
        xlabel=_label(hparam),
        ylabel=f"final {_label(metric)}",
        title=title or f"final {_label(metric)} after {int(res.steps[-1])} steps",
    )
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, frameon=False)
    return finish(fig, path)


def plot_curves(
    res: SweepResult,
    metric: str | None = None,
    color_by: str | None = None,
    *,
    log_y: bool | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    path: str | os.PathLike | None = None,
) -> Figure:
    """``metric`` over steps for every trial, coloured by ``color_by`` (with a colour bar).

    ``color_by`` defaults to ``"learning_rate"`` when it is a hyperparameter, else the first
    hyperparameter that varies (else ``"seed"``). A diverged trial's curve stops where it
    diverged, ending in a red cross.

    Example:
      >>> import numpy as np, jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
      >>> res = js.sweep(prob, js.optim.sgd, {"learning_rate": np.geomspace(0.01, 4, 9)},
      ...                steps=20, progress=False)
      >>> fig = plot_curves(res, "train_loss")
    """
    metric = res._metric(metric)
    color_by = color_by or _default_color(res)
    c = _hparam(res, color_by)
    values = res.metrics[metric]
    fig, ax = figure_and_axes(ax, 6.6, 4.0)
    log_c = _use_log(c)
    norm = (colors.LogNorm if log_c else colors.Normalize)(vmin=np.nanmin(c), vmax=np.nanmax(c))
    if norm.vmin == norm.vmax:
        norm = colors.Normalize(vmin=norm.vmin - 0.5, vmax=norm.vmax + 0.5)
    cmap = cm.viridis
    for i in np.argsort(c):
        color = cmap(norm(c[i]))
        ax.plot(res.steps, values[i], color=color, lw=1.0, alpha=0.85)
        if res.diverged[i]:
            finite = np.flatnonzero(np.isfinite(values[i]))
            if finite.size:
                j = finite[-1]
                ax.plot(res.steps[j], values[i, j], "x", color=DIVERGED, ms=5)
    if log_y is None:
        finite = values[np.isfinite(values)]
        log_y = (
            not higher_is_better(metric)
            and finite.size > 0
            and np.all(finite > 0)
            and np.log10(finite.max()) - np.log10(finite.min()) > 1.7
        )
    if log_y:
        ax.set_yscale("log")
    sm = cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=ax, label=_label(color_by))
    n_div = int(res.diverged.sum())
    style_axes(
        ax,
        xlabel="step",
        ylabel=_label(metric),
        title=title
        or f"{_label(metric)}: {res.n_trials} trials"
        + (f", {n_div} diverged (x)" if n_div else ""),
    )
    return finish(fig, path)
