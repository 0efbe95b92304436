"""Figures of :mod:`jaxscape.study`: the optimizer survey's figure, 2-D races (with an animated
GIF), the linear-regression cost surface and the quadratic's learning-rate regimes."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from jaxscape._io import atomic_write_bytes
from jaxscape.plot._style import PALETTE, finish, new_figure, style_axes

if TYPE_CHECKING:  # the results drawn, for their types only
    from jaxscape.study import QuadraticRegimes, RaceResult, ZooResult

_MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*", "<", ">")


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def plot_zoo(
    res: ZooResult,
    path: str | os.PathLike | None = None,
    *,
    x: str = "learning_rate",
    criterion: str = "streaming",
) -> Figure:
    """Steps and seconds to target against ``x`` (log-log), one line per optimizer.

    Args:
      res: a :class:`~jaxscape.study.ZooResult`.
      path: save a PNG there.
      x: ``"learning_rate"`` (the survey's first figure) or ``"num_params"`` (its size figure).
      criterion: ``"streaming"`` (the survey's running mean of mini-batch accuracies) or
        ``"train_split"`` (the whole training split's accuracy).

    Failures are left out (a gap in the line) and counted in the legend.

    Example:
      >>> import numpy as np
      >>> from jaxscape.study import ZooResult
      >>> r = ZooResult(np.array(["GD", "GD"]), np.array([0.1, 1.0]), np.ones(2), np.ones(2),
      ...               np.array([100]), np.ones((2, 1)), np.ones((2, 1)), np.array([100, -1]),
      ...               np.array([100, -1]), np.full(2, 0.01), np.zeros(2, bool), 0.97)
      >>> len(plot_zoo(r).axes)
      2
    """
    if x not in ("learning_rate", "num_params"):
        raise ValueError(f"x must be 'learning_rate' or 'num_params', got {x!r}")
    fig = new_figure(10.0, 4.0)
    axes = fig.subplots(1, 2)
    if criterion not in ("streaming", "train_split"):
        raise ValueError(f"criterion must be 'streaming' or 'train_split', got {criterion!r}")
    xs = np.asarray(getattr(res, x), np.float64)
    reached = res.steps_to_target if criterion == "streaming" else res.steps_to_train_split
    ok = reached >= 0
    steps = np.where(ok, reached, np.nan).astype(np.float64)
    seconds = steps * res.seconds_per_step
    xlabel = "learning rate" if x == "learning_rate" else "parameters"
    for i, name in enumerate(dict.fromkeys(res.optimizer.tolist())):
        m = res.optimizer == name
        order = np.argsort(xs[m])
        label = f"{name} ({int(ok[m].sum())}/{int(m.sum())})"
        for ax, y in zip(axes, (steps, seconds), strict=True):
            ax.plot(
                xs[m][order],
                y[m][order],
                marker=_MARKERS[i % 10],
                ms=3,
                lw=1.2,
                color=_colour(i),
                label=label,
            )
    target = f"{res.target:.0%}"
    what = "streaming" if criterion == "streaming" else "whole training split"
    style_axes(axes[0], xlabel=xlabel, ylabel=f"steps to {target} ({what})", title="steps")
    style_axes(
        axes[1], xlabel=xlabel, ylabel=f"seconds to {target} (amortised)", title="seconds to target"
    )
    for ax in axes:
        ax.set_xscale("log")
        if np.any(np.isfinite(steps)):
            ax.set_yscale("log")
    axes[0].legend(title="optimizer (successes)", frameon=False)
    fig.suptitle(f"{res.info.get('problem', '')}: time to {target} training accuracy", size=10)
    return finish(fig, path)


def _contour(ax, fn, n: int = 160) -> None:
    (x0, x1), (y0, y1) = fn.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    z = np.asarray(fn(np.stack([gx, gy], -1)), np.float64)
    if fn.log_levels:
        z = np.log10(z - np.nanmin(z) + 1e-3)
    ax.contourf(gx, gy, z, levels=30, cmap="Greys_r", alpha=0.55)
    ax.contour(gx, gy, z, levels=15, colors="#777777", linewidths=0.4)
    for mx, my in fn.minima:
        ax.plot(mx, my, marker="*", ms=11, color="#f0c419", mec="k", mew=0.6, zorder=5)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def _race_colours(res) -> list:
    from matplotlib import colormaps

    names = list(dict.fromkeys(res.optimizer.tolist()))
    cmap = colormaps["tab10" if len(names) <= 10 else "tab20"]
    return [cmap(names.index(o) % cmap.N) for o in res.optimizer]


def _race_styles(res) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for o in res.optimizer:
        seen[o] = seen.get(o, -1) + 1
        out.append(("-", "--", ":", "-.")[seen[o] % 4])
    return out


def plot_race(res: RaceResult, path: str | os.PathLike | None = None) -> Figure:
    """Trajectories on the contour plot (left) and distance to the minimum against step.

    Args:
      res: a :class:`~jaxscape.study.RaceResult`.
      path: save a PNG there.
    """
    fig = new_figure(12.0, 4.8)
    ax, ax2 = fig.subplots(1, 2, width_ratios=(1.1, 1))
    fn = res.function
    _contour(ax, fn)
    colours, styles = _race_colours(res), _race_styles(res)
    for i, label in enumerate(res.labels):
        p = res.paths[i]
        ax.plot(p[:, 0], p[:, 1], styles[i], color=colours[i], lw=1.1, label=label)
        d = np.where(res.distance[i] > 0, res.distance[i], np.nan)
        ax2.plot(res.steps, d, styles[i], color=colours[i], lw=1.1, label=label)
    ax.plot(*res.paths[0, 0], marker="o", color="k", ms=5, zorder=6)
    style_axes(ax, xlabel="x", ylabel="y", title=f"{fn.name}: paths", grid=False)
    what = "saddle point" if not fn.minima else "nearest minimum"
    style_axes(ax2, xlabel="step", ylabel=f"distance to the {what}", title="distance vs step")
    ax2.set_yscale("log")
    ax2.legend(ncol=2, fontsize=6, frameon=False, loc="best")
    return finish(fig, path)


def animate_race(
    res,
    path: str | os.PathLike,
    *,
    frames: int = 40,
    fps: int = 10,
    dpi: int = 50,
    size: tuple[float, float] = (5.0, 4.2),
) -> os.PathLike:
    """An animated GIF of the race (matplotlib's Pillow writer), written atomically.

    Each frame draws every path up to a step and a dot at its head; ``frames`` steps spread
    evenly over the run. Keep ``frames``, ``dpi`` and ``size`` small for files under 1 MB.
    """
    import tempfile

    from matplotlib.animation import FuncAnimation, PillowWriter

    fig = new_figure(*size)
    ax = fig.add_subplot()
    _contour(ax, res.function, n=100)
    style_axes(ax, title=f"{res.function.name}", grid=False)
    colours, styles = _race_colours(res), _race_styles(res)
    lines = [
        ax.plot([], [], styles[i], color=colours[i], lw=1.0, label=lab)[0]
        for i, lab in enumerate(res.labels)
    ]
    heads = [ax.plot([], [], "o", color=colours[i], ms=3)[0] for i in range(len(lines))]
    ax.legend(fontsize=5, ncol=2, frameon=False, loc="upper left")
    idx = np.unique(np.linspace(0, res.steps.size - 1, frames).round().astype(int))

    def draw(k: int):
        t = idx[k]
        for i, (line, head) in enumerate(zip(lines, heads, strict=True)):
            line.set_data(res.paths[i, : t + 1, 0], res.paths[i, : t + 1, 1])
            head.set_data([res.paths[i, t, 0]], [res.paths[i, t, 1]])
        return (*lines, *heads)

    anim = FuncAnimation(fig, draw, frames=len(idx), blit=False)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = os.path.join(tmp, "race.gif")
        anim.save(tmp_path, writer=PillowWriter(fps=fps), dpi=dpi)
        with open(tmp_path, "rb") as fh:
            data = fh.read()
    return atomic_write_bytes(path, data)


def plot_cost_surface(
    w: np.ndarray,
    b: np.ndarray,
    cost: np.ndarray,
    paths: np.ndarray,
    rates: Sequence[float],
    path: str | os.PathLike | None = None,
) -> Figure:
    """A cost surface ``J(w, b)`` as contours and in 3-D, with one path per rate.

    Args:
      w: ``[G]`` grid of the weight; ``b``: ``[H]`` grid of the bias.
      cost: ``[H, G]`` ``J`` on the grid.
      paths: ``[N, T, 2]`` ``(w, b)`` iterates of each rate.
      rates: ``[N]`` the learning rates (legend).
    """
    fig = new_figure(11.0, 4.6)
    ax = fig.add_subplot(1, 2, 1)
    ax3 = fig.add_subplot(1, 2, 2, projection="3d")
    gw, gb = np.meshgrid(w, b)
    levels = np.geomspace(max(cost.min(), 1e-6), cost.max(), 25)
    ax.contour(gw, gb, cost, levels=levels, cmap="viridis", linewidths=0.7)
    ax3.plot_surface(gw, gb, cost, cmap="viridis", alpha=0.6, linewidth=0)
    for i, lr in enumerate(rates):
        p = paths[i]
        inside = (p[:, 0] >= w[0]) & (p[:, 0] <= w[-1]) & (p[:, 1] >= b[0]) & (p[:, 1] <= b[-1])
        p = p[np.cumprod(inside).astype(bool)]
        jp = _interp_cost(w, b, cost, p)
        ax.plot(p[:, 0], p[:, 1], ".-", color=_colour(i), ms=3, lw=1, label=f"lr {lr:.3g}")
        ax3.plot(p[:, 0], p[:, 1], jp, ".-", color=_colour(i), ms=2, lw=1, zorder=10)
    style_axes(ax, xlabel="w (floor area)", ylabel="b (intercept)", title="J(w, b) contours")
    ax.legend(frameon=False, fontsize=7)
    ax3.set_xlabel("w")
    ax3.set_ylabel("b")
    ax3.set_zlabel("J")
    ax3.set_title("J(w, b)", fontsize=10)
    return finish(fig, path)


def _interp_cost(w, b, cost, p) -> np.ndarray:
    i = np.clip(np.searchsorted(w, p[:, 0]), 0, w.size - 1)
    j = np.clip(np.searchsorted(b, p[:, 1]), 0, b.size - 1)
    return cost[j, i]


def plot_quadratic_regimes(q: QuadraticRegimes, path: str | os.PathLike | None = None) -> Figure:
    """The iterates of GD on ``L x^2 / 2`` for every rate, with each regime's name.

    Args:
      q: a :class:`~jaxscape.study.QuadraticRegimes`.
    """
    fig = new_figure(11.0, 4.0)
    ax, ax2 = fig.subplots(1, 2)
    L = q.curvature
    xs = np.linspace(-1.6, 1.6, 200) * np.max(np.abs(q.paths[:, 0]))
    ax.plot(xs, 0.5 * L * xs**2, color="#999999", lw=1)
    for i, (lr, reg) in enumerate(zip(q.learning_rate, q.regimes, strict=True)):
        p = q.paths[i]
        label = f"lr = {lr * L:.2g}/L: {reg.replace('_', ' ')}"
        shown = p[np.abs(p) <= xs.max()]
        ax.plot(shown, 0.5 * L * shown**2, "o-", color=_colour(i), ms=3, lw=0.8, label=label)
        ax2.plot(q.steps, p, "o-", color=_colour(i), ms=3, lw=1, label=label)
    style_axes(
        ax, xlabel="x", ylabel="f(x) = L x² / 2", title=f"iterates on the parabola (L = {L:g})"
    )
    style_axes(ax2, xlabel="step", ylabel="x", title="x_t = (1 − lr·L)^t x_0")
    ax2.axhline(0, color="k", lw=0.5)
    ax2.legend(frameon=False, fontsize=7)
    lim = 1.6 * np.max(np.abs(q.paths[:, 0]))
    ax2.set_ylim(-lim, lim)
    return finish(fig, path)
