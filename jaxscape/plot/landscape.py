"""Figures of loss landscapes: lines, overlaid lines, planes, Hessian spectra.

Every function returns the :class:`matplotlib.figure.Figure` and, given ``path=``, also writes
it as a PNG (atomically). Nothing goes through ``pyplot``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from jaxscape._checks import check_choice, check_positive_int
from jaxscape.landscape.hessian_density import HessianDensity
from jaxscape.landscape.result import (
    LandscapeLine,
    LandscapeSurface,
    landscape_metric,
    load_landscape,
)
from jaxscape.plot._style import (
    ACCURACY,
    LOSS,
    PALETTE,
    TEST_STYLE,
    TRAIN_STYLE,
    figure_and_axes,
    finish,
    new_figure,
    style_axes,
)

PLANE_KINDS = ("contour", "contourf", "heatmap", "surface")
PathLike = str | os.PathLike


def _as_line(value: Any, name: str) -> LandscapeLine:
    if isinstance(value, str | os.PathLike):
        value = load_landscape(value)
    if not isinstance(value, LandscapeLine):
        raise TypeError(f"{name} must be a LandscapeLine or the folder of a saved one")
    return value


def _as_surface(value: Any) -> LandscapeSurface:
    if isinstance(value, str | os.PathLike):
        value = load_landscape(value)
    if not isinstance(value, LandscapeSurface):
        raise TypeError("surface must be a LandscapeSurface or the folder of a saved one")
    return value


def _xlabel(line: LandscapeLine) -> str:
    md = line.metadata
    if md.get("kind") == "interpolation":
        return "alpha  (0: start, 1: end)"
    norm = md.get("normalization")
    what = md.get("direction", "direction")
    return f"alpha along the {what} direction" + (f" ({norm}-normalised)" if norm else "")


def _mark_endpoints(ax: Axes, line: LandscapeLine) -> None:
    ends = line.metadata.get("endpoints") or [0.0]
    lo, hi = float(np.min(line.alphas)), float(np.max(line.alphas))
    for a in ends:
        if lo <= a <= hi:
            ax.axvline(a, color="#888888", linewidth=0.8, linestyle=":", zorder=0)


def _split_style(split: str) -> str:
    return TRAIN_STYLE if split == "train" else TEST_STYLE


def plot_line(
    line: LandscapeLine | PathLike,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    log_loss: bool = False,
    path: PathLike | None = None,
) -> Figure:
    """Loss (left axis) and accuracy (right axis) along a line; train solid, test dashed.

    Args:
      line: a :class:`~jaxscape.landscape.LandscapeLine` or the folder of a saved one.
      ax: axes to draw on (default: a new figure).
      title: default: the line's label.
      log_loss: logarithmic loss axis.
      path: also write the figure as a PNG here.

    Returns:
      The figure.

    Example:
      >>> import numpy as np, jaxscape as js
      >>> from jaxscape.plot.landscape import plot_line
      >>> a = np.linspace(-1, 1, 21)
      >>> line = js.landscape.LandscapeLine(a, {"train_loss": a**2, "train_accuracy": 1 - a**2})
      >>> len(plot_line(line).axes)
      2
    """
    line = _as_line(line, "line")
    fig, ax = figure_and_axes(ax)
    handles = []
    for split in ("train", "val", "test"):
        key = f"{split}_loss"
        if key in line.metrics:
            (h,) = ax.plot(
                line.alphas,
                line.metrics[key],
                _split_style(split),
                color=LOSS,
                label=f"{split} loss",
                linewidth=1.6,
            )
            handles.append(h)
    if log_loss:
        ax.set_yscale("log")
    style_axes(ax, xlabel=_xlabel(line), ylabel="loss", title=title or line.label)
    ax.yaxis.label.set_color(LOSS)
    _mark_endpoints(ax, line)
    acc = [s for s in ("train", "val", "test") if f"{s}_accuracy" in line.metrics]
    if acc:
        twin = ax.twinx()
        for split in acc:
            (h,) = twin.plot(
                line.alphas,
                line.metrics[f"{split}_accuracy"],
                _split_style(split),
                color=ACCURACY,
                label=f"{split} accuracy",
                linewidth=1.3,
            )
            handles.append(h)
        twin.set_ylim(-0.02, 1.02)
        twin.set_ylabel("accuracy", color=ACCURACY)
        twin.spines["top"].set_visible(False)
        twin.tick_params(labelsize=8)
    # below the axes: twin-axis curves would hide a legend placed inside
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.13),
        ncol=len(handles),
        frameon=False,
        fontsize=8,
    )
    return finish(fig, path)


def _metric_names(line: LandscapeLine, metric: str) -> list[str]:
    if metric in line.metrics:
        return [metric]
    names = [f"{s}_{metric}" for s in ("train", "val", "test") if f"{s}_{metric}" in line.metrics]
    if not names:
        raise ValueError(f"metric {metric!r} is not in this line's metrics {sorted(line.metrics)}")
    return names


def plot_lines(
    lines: Sequence[LandscapeLine | PathLike],
    *,
    labels: Sequence[str] | None = None,
    metric: str = "loss",
    ax: Axes | None = None,
    title: str | None = None,
    log: bool = False,
    path: PathLike | None = None,
) -> Figure:
    """Several lines overlaid, one colour each (train solid, test dashed).

    Args:
      lines: lines or folders of saved lines.
      labels: one per line (default: each line's label).
      metric: ``"loss"``/``"accuracy"`` (both splits) or a full name such as ``"test_loss"``.
      ax, title, path: as for :func:`plot_line`.
      log: logarithmic y axis.

    Example:
      >>> import numpy as np, jaxscape as js
      >>> from jaxscape.plot.landscape import plot_lines
      >>> a = np.linspace(-1, 1, 11)
      >>> ls = [js.landscape.LandscapeLine(a, {"train_loss": k * a**2}) for k in (1, 2)]
      >>> len(plot_lines(ls, labels=["k=1", "k=2"]).axes[0].lines)
      4
    """
    items = [_as_line(v, f"lines[{i}]") for i, v in enumerate(lines)]
    if not items:
        raise ValueError("lines is empty")
    if labels is not None and len(labels) != len(items):
        raise ValueError(f"labels has {len(labels)} entries for {len(items)} lines")
    fig, ax = figure_and_axes(ax)
    for i, line in enumerate(items):
        color = PALETTE[i % len(PALETTE)]
        label = labels[i] if labels is not None else line.label
        for j, name in enumerate(_metric_names(line, metric)):
            split = name.split("_", 1)[0]
            ax.plot(
                line.alphas,
                line.metrics[name],
                _split_style(split),
                color=color,
                linewidth=1.5,
                label=label if j == 0 else None,
            )
        _mark_endpoints(ax, line)
    if log:
        ax.set_yscale("log")
    ylabel = metric.replace("_", " ")
    style_axes(
        ax,
        xlabel="alpha",
        ylabel=ylabel + ("  (train solid, test dashed)" if "_" not in metric else ""),
        title=title,
    )
    ax.legend(loc="best", frameon=False, fontsize=8)
    return finish(fig, path)


def _axis_labels(surface: LandscapeSurface) -> tuple[str, str]:
    ev = surface.explained_variance
    kinds = surface.metadata.get("direction") or ["dx", "dy"]
    if ev is not None:
        return f"PC1 ({100 * ev[0]:.1f}% of variance)", f"PC2 ({100 * ev[1]:.1f}% of variance)"
    return f"x  ({kinds[0]} direction)", f"y  ({kinds[1]} direction)"


def _draw_trajectory(ax: Axes, traj: np.ndarray, z: np.ndarray | None = None) -> None:
    if z is None:
        ax.plot(traj[:, 0], traj[:, 1], "-", color="white", linewidth=3.0, alpha=0.8)
        ax.plot(
            traj[:, 0],
            traj[:, 1],
            ".-",
            color="#d62728",
            linewidth=1.4,
            markersize=4,
            label="trajectory",
        )
        ax.plot(traj[0, 0], traj[0, 1], "o", color="#d62728", markersize=6, label="start")
        ax.plot(
            traj[-1, 0],
            traj[-1, 1],
            "*",
            color="#ffd700",
            markeredgecolor="black",
            markersize=12,
            label="end",
        )
    else:
        # drawn after the surface with a higher zorder (the axes' computed_zorder is off)
        ax.plot(
            traj[:, 0], traj[:, 1], z, ".-", color="#d62728", linewidth=1.8, markersize=4, zorder=10
        )


def plot_plane(
    surface: LandscapeSurface | PathLike,
    *,
    kind: str = "contour",
    metric: str | None = None,
    levels: int = 30,
    log: bool | None = None,
    vmax: float | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    path: PathLike | None = None,
) -> Figure:
    """A plane as contour lines, filled contours, a heat map or a 3-D surface.

    The saved trajectory (if any) is drawn on it: start as a dot, end as a star.

    Args:
      surface: a :class:`~jaxscape.landscape.LandscapeSurface` or the folder of a saved one.
      kind: ``"contour"`` (default), ``"contourf"``, ``"heatmap"`` or ``"surface"``.
      metric: which ``[ny, nx]`` metric to draw (default: the training loss, else the test
        loss).
      levels: number of contour levels (placed at quantiles of the values, so that the basin
        is resolved even when the plane's edges reach huge losses).
      log: logarithmic colour scale; default: for positive loss values spanning more than a
        factor of 50 (random directions reach huge losses far from the centre).
      vmax: clip the values above this (Li et al. clip their surfaces too).
      ax: axes to draw on (default: a new figure); 3-D axes for ``kind="surface"``
        (``fig.add_subplot(projection="3d", computed_zorder=False)``), so that a contour and
        a surface can share one figure.
      title, path: as for :func:`plot_line`.

    Example:
      >>> import numpy as np, jaxscape as js
      >>> from jaxscape.plot.landscape import plot_plane
      >>> xs = ys = np.linspace(-1, 1, 9)
      >>> surf = js.landscape.LandscapeSurface(xs, ys, {"train_loss": np.add.outer(ys**2, xs**2)})
      >>> fig = plot_plane(surf, kind="heatmap")
    """
    surface = _as_surface(surface)
    check_choice("kind", kind, PLANE_KINDS)
    levels = check_positive_int("levels", levels)
    metric = landscape_metric(surface.metrics, metric)
    z = np.asarray(surface.metrics[metric], dtype=np.float64)
    if vmax is not None:
        z = np.minimum(z, vmax)
    finite = z[np.isfinite(z)]
    if log is None:
        log = (
            "loss" in metric
            and finite.size > 0
            and finite.min() > 0
            and finite.max() / finite.min() > 50
        )
    title = title or f"{surface.label} — {metric.replace('_', ' ')}"
    if kind == "surface":
        ax = _axes_3d(ax)
        _draw_surface(ax, surface, z, log)
    else:
        _, ax = figure_and_axes(ax, 6.0, 5.0)
        _draw_plane(ax, surface, z, kind, levels, log, metric.replace("_", " "))
    _label_plane(ax, surface, metric, title, log, kind == "surface")
    return finish(ax.figure, path)


def _axes_3d(ax: Any) -> Any:
    """``ax`` when it is 3-D axes, else new 3-D axes on a new figure (``ax=None``)."""
    if ax is None:
        return new_figure(6.4, 5.0).add_subplot(projection="3d", computed_zorder=False)
    if getattr(ax, "name", None) != "3d":
        raise ValueError(
            "ax for kind='surface' must be 3-D axes: fig.add_subplot(projection='3d', "
            "computed_zorder=False)"
        )
    return ax


def _draw_surface(ax3: Any, surface: LandscapeSurface, z: np.ndarray, log: bool) -> None:
    """A 3-D surface of ``z [ny, nx]`` (log10 when ``log``), the trajectory lifted above it."""
    gx, gy = np.meshgrid(surface.xs, surface.ys)
    zz = np.log10(z) if log else z
    ax3.plot_surface(
        gx, gy, zz, cmap="viridis", linewidth=0, antialiased=True, alpha=0.85, zorder=1
    )
    if surface.trajectory is not None:
        traj = surface.trajectory
        finite_z = zz[np.isfinite(zz)]
        lift = 0.02 * float(np.ptp(finite_z)) if finite_z.size else 0.0
        _draw_trajectory(ax3, traj, _interp_grid(surface.xs, surface.ys, zz, traj) + lift)


def _draw_plane(
    ax: Axes,
    surface: LandscapeSurface,
    z: np.ndarray,
    kind: str,
    levels: int,
    log: bool,
    name: str,
) -> None:
    """Contours, filled contours or a heat map of ``z [ny, nx]`` with its colour bar."""
    gx, gy = np.meshgrid(surface.xs, surface.ys)
    finite = z[np.isfinite(z)]
    norm = LogNorm(vmin=finite.min(), vmax=finite.max()) if log else None
    lv = _levels(finite, levels)
    if kind == "contour":
        mappable = ax.contour(gx, gy, z, levels=lv, cmap="viridis", norm=norm, linewidths=1.0)
        ax.clabel(
            mappable, mappable.levels[:: max(1, len(mappable.levels) // 6)], fontsize=6, fmt="%.3g"
        )
    elif kind == "contourf":
        mappable = ax.contourf(gx, gy, z, levels=lv, cmap="viridis", norm=norm)
        ax.contour(gx, gy, z, levels=lv, colors="k", linewidths=0.3)
    else:
        mappable = ax.pcolormesh(gx, gy, z, cmap="viridis", norm=norm, shading="nearest")
    cbar = ax.figure.colorbar(mappable, ax=ax)
    cbar.set_label(name, fontsize=8)
    if kind != "heatmap" and np.ndim(lv) == 1:
        ticks = lv[:: max(1, len(lv) // 7)]
        cbar.set_ticks(ticks, labels=[f"{v:.3g}" for v in ticks])
    cbar.ax.tick_params(labelsize=7)
    ax.plot(0.0, 0.0, "+", color="black", markersize=9, label="centre")
    if surface.trajectory is not None:
        _draw_trajectory(ax, surface.trajectory)
        ax.legend(loc="best", frameon=True, fontsize=7)


def _label_plane(
    ax: Any, surface: LandscapeSurface, metric: str, title: str, log: bool, three_d: bool
) -> None:
    """Axis labels and title; the colour bar (2-D) or z axis (3-D) names the metric."""
    xlabel, ylabel = _axis_labels(surface)
    name = metric.replace("_", " ")
    if three_d:
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.set_zlabel(("log10 " if log else "") + name, fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.tick_params(labelsize=7)
        return
    style_axes(ax, xlabel=xlabel, ylabel=ylabel, title=title, grid=False)
    ax.set_aspect("auto")


def _levels(finite: np.ndarray, levels: int) -> np.ndarray | int:
    """Contour levels at quantiles of the values: each band covers a similar area, so the basin
    near the minimum is resolved even when the edges of the plane reach huge losses."""
    if finite.size == 0 or finite.min() == finite.max():
        return levels
    q = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, levels)))
    return q if q.size >= 2 else levels


def _interp_grid(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of ``z [ny, nx]`` at ``pts [T, 2]`` (clamped to the grid)."""
    out = []
    for x, y in pts:
        j = int(np.clip(np.searchsorted(xs, x) - 1, 0, len(xs) - 2)) if len(xs) > 1 else 0
        i = int(np.clip(np.searchsorted(ys, y) - 1, 0, len(ys) - 2)) if len(ys) > 1 else 0
        if len(xs) == 1 or len(ys) == 1:
            out.append(z[i, j])
            continue
        tx = np.clip((x - xs[j]) / (xs[j + 1] - xs[j]), 0, 1)
        ty = np.clip((y - ys[i]) / (ys[i + 1] - ys[i]), 0, 1)
        top = (1 - tx) * z[i, j] + tx * z[i, j + 1]
        bottom = (1 - tx) * z[i + 1, j] + tx * z[i + 1, j + 1]
        out.append((1 - ty) * top + ty * bottom)
    return np.asarray(out)


def plot_density(
    density: HessianDensity,
    *,
    ax: Axes | None = None,
    title: str | None = "Hessian eigenvalue density",
    path: PathLike | None = None,
) -> Figure:
    """A Hessian eigenvalue density (stochastic Lanczos quadrature) on a log scale.

    Example:
      >>> import numpy as np
      >>> from jaxscape.landscape.hessian_density import HessianDensity, smooth_density
      >>> nodes, weights = np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]])
      >>> grid, dens, sigma = smooth_density(nodes, weights, 0.05, 200)
      >>> fig = plot_density(HessianDensity(grid, dens, nodes, weights, sigma))
    """
    if not isinstance(density, HessianDensity):
        raise TypeError(f"density must be a HessianDensity, got {type(density).__name__}")
    fig, ax = figure_and_axes(ax, 6.0, 3.5)
    floor = max(float(density.density.max()) * 1e-8, 1e-30)
    ax.semilogy(density.grid, np.maximum(density.density, floor), color=LOSS, linewidth=1.2)
    ax.set_ylim(bottom=floor * 10)
    style_axes(ax, xlabel="eigenvalue", ylabel="density (log)", title=title)
    return finish(fig, path)
