"""Figures of population based training: lineage tree, learned schedules, population curves.

:func:`plot_pbt` draws all three panels for a :class:`~jaxscape.search.PBTResult`; each panel
is also its own function taking ``ax=`` to compose figures (the PBT example does).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from jaxscape._result import label as _label
from jaxscape.plot._style import PALETTE, figure_and_axes, finish, new_figure, style_axes


def _is_log(result: Any, name: str) -> bool:
    return str(result.info.get("space", {}).get(name, "")).startswith("LogUniform(")


def plot_lineage(result: Any, *, name: str | None = None, ax: Axes | None = None) -> Figure:
    """Members (rows) over steps: a segment per member and interval coloured by ``name``'s value
    (default: the first hyperparameter), a connector from parent to child at every exploit, the
    best final member's lineage in black."""
    fig, ax = figure_and_axes(ax)
    name = name or next(iter(result.hyperparams))
    vals = result.hyperparams[name]
    edges = result.boundaries
    norm_cls = LogNorm if _is_log(result, name) and np.all(vals > 0) else Normalize
    norm = norm_cls(vmin=float(vals.min()), vmax=float(vals.max()) + 1e-12)
    cmap = colormaps["viridis"]
    for k in range(result.n_intervals):
        for i in range(result.n_members):
            colour = cmap(norm(vals[k, i]))
            ax.plot([edges[k], edges[k + 1]], [i, i], color=colour, lw=4.0, solid_capstyle="butt")
            p = int(result.parents[k, i])
            if k and p != i:
                ax.plot(
                    [edges[k] - 0.3 * (edges[k] - edges[k - 1]), edges[k]],
                    [p, i],
                    color="#999999",
                    lw=0.6,
                )
    best = int(result.order()[0])
    anc = result.ancestry()[best]
    for k in range(result.n_intervals):
        ax.plot([edges[k], edges[k + 1]], [anc[k], anc[k]], color="black", lw=0.8)
        if k and anc[k - 1] != anc[k]:
            ax.plot(
                [edges[k] - 0.3 * (edges[k] - edges[k - 1]), edges[k]],
                [anc[k - 1], anc[k]],
                color="black",
                lw=1.0,
            )
    fig.colorbar(ScalarMappable(norm, cmap), ax=ax, label=_label(name), pad=0.01)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    style_axes(ax, xlabel="step", ylabel="member", title="lineage (best in black)", grid=False)
    return fig


def plot_schedules(
    result: Any, *, top: int = 3, ax: Axes | None = None, name: str | None = None
) -> Figure:
    """The learned schedule of ``name`` (default: first hyperparameter) for the ``top`` best
    final members, as step functions over the interval edges."""
    fig, ax = figure_and_axes(ax)
    name = name or next(iter(result.hyperparams))
    sched = result.schedule()[name]
    edges = result.boundaries
    final = result.final()
    for j, i in enumerate(result.order()[:top]):
        ys = np.append(sched[i], sched[i][-1])
        ax.step(
            edges,
            ys,
            where="post",
            color=PALETTE[j % len(PALETTE)],
            label=f"member {i} ({result.metric} {final[i]:.3g})",
        )
    if _is_log(result, name):
        ax.set_yscale("log")
    ax.legend(loc="best")
    style_axes(
        ax,
        xlabel="step",
        ylabel=_label(name),
        title="learned schedule" + (" (top members)" if top > 1 else " (winner)"),
    )
    return fig


def plot_population(result: Any, *, metric: str | None = None, ax: Axes | None = None) -> Figure:
    """Every member's ``metric`` curve (grey) and the best so far over the population."""
    fig, ax = figure_and_axes(ax)
    metric = metric or result.metric
    curves = result.metrics[metric]
    for row in curves:
        ax.plot(result.steps, row, color="#bbbbbb", lw=0.6)
    with np.errstate(all="ignore"):
        safe = np.where(np.isfinite(curves), curves, -np.inf if result.maximize else np.inf)
        best = safe.max(axis=0) if result.maximize else safe.min(axis=0)
    ax.plot(result.steps, best, color=PALETTE[0], lw=1.6, label="best member")
    for b in result.boundaries[1:-1]:
        ax.axvline(b, color="#eeeeee", lw=0.6, zorder=0)
    ax.legend(loc="best")
    style_axes(ax, xlabel="step", ylabel=_label(metric), title="population")
    return fig


def plot_pbt(result: Any, *, path: str | os.PathLike | None = None, top: int = 3) -> Figure:
    """Lineage tree, learned schedules of the ``top`` final members (one panel per
    hyperparameter) and the population's curves, in one figure; saved to ``path`` if given.

    >>> import jax.numpy as jnp, jaxscape as js
    >>> from jaxscape.plot.pbt import plot_pbt
    >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(2))
    >>> res = js.search.pbt(prob, js.optim.sgd, {"learning_rate": (0.01, 0.5)}, 10,
    ...                     population=4, exploit=5)
    >>> len(plot_pbt(res).axes) >= 3
    True
    """
    names = list(result.hyperparams)
    fig = new_figure(4.0 * (2 + len(names)), 3.6)
    axes = fig.subplots(1, 2 + len(names))
    plot_lineage(result, ax=axes[0])
    for ax, name in zip(axes[1:-1], names, strict=True):
        plot_schedules(result, top=top, ax=ax, name=name)
    plot_population(result, ax=axes[-1])
    return finish(fig, path)
