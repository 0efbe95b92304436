"""Shared matplotlib helpers: one look for every jaxscape figure, and atomic PNG writes.

Figures are built on :class:`matplotlib.figure.Figure` with an Agg canvas, never through
``pyplot``, so plotting works headless, touches no global state and never opens a window.
Notebooks still display a returned ``Figure``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter

from jaxscape._io import atomic_write_bytes

#: Colour of loss curves and of accuracy curves (a twin axis); train and test share a colour.
LOSS = "#0b4f9c"
ACCURACY = "#c4511e"
#: Line styles: training solid, held-out dashed.
TRAIN_STYLE = "-"
TEST_STYLE = "--"
#: A colour cycle for overlays (colour-blind friendly, Okabe–Ito).
PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
DPI = 120

_RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
}


def new_figure(width: float = 6.0, height: float = 4.0, **kwargs: Any) -> Figure:
    """A ``Figure`` with an Agg canvas and jaxscape's layout defaults."""
    fig = Figure(figsize=(width, height), layout="constrained", **kwargs)
    FigureCanvasAgg(fig)
    return fig


def style_axes(
    ax: Axes,
    *,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    grid: bool = True,
) -> Axes:
    """Apply the common look: light grid, no top/right spines, small fonts, labels."""
    for key in ("top", "right"):
        ax.spines[key].set_visible(False)
    if grid:
        ax.grid(True, color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
    size = _RC["axes.labelsize"]
    if xlabel is not None:
        ax.set_xlabel(xlabel, fontsize=size)
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=size)
    if title is not None:
        ax.set_title(title, fontsize=_RC["axes.titlesize"])
    ax.tick_params(labelsize=_RC["xtick.labelsize"])
    return ax


def png_bytes(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure rendered as PNG bytes."""
    if fig.canvas is None or not hasattr(fig.canvas, "print_png"):
        FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int = DPI) -> Path:
    """Write ``fig`` as a PNG to ``path`` atomically (folders created); returns the path."""
    return atomic_write_bytes(path, png_bytes(fig, dpi))


def finish(fig: Figure, path: str | os.PathLike | None, dpi: int = DPI) -> Figure:
    """Save ``fig`` to ``path`` when one is given; return the figure."""
    if path is not None:
        save_figure(fig, path, dpi)
    return fig


def figure_and_axes(ax: Axes | None, width: float = 6.0, height: float = 4.0):
    """``(fig, ax)``: the given axes and their figure, or a new one-panel figure."""
    if ax is not None:
        return ax.figure, ax
    fig = new_figure(width, height)
    return fig, fig.add_subplot()


def log_axis(ax: Axes, which: str = "x") -> Axes:
    """Put ``ax``'s ``which`` axis (``"x"`` or ``"y"``) on a log scale labelled at the decades.

    Minor ticks stay but carry no label: matplotlib labels them when a view spans about a decade
    or less, and on a small panel ``2×10⁻²``, ``3×10⁻²``, ... run into each other. A view with
    fewer than two decades inside it gets major ticks at 1, 2 and 5 × 10ᵏ instead, so it is never
    left without numbers. Call it after plotting (the view limits decide).
    """
    if which not in ("x", "y"):
        raise ValueError(f"which must be 'x' or 'y', got {which!r}")
    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    lo, hi = sorted(ax.get_xlim() if which == "x" else ax.get_ylim())
    decades = [t for t in axis.get_majorticklocs() if lo <= t <= hi]
    if len(decades) < 2:
        axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        every = (float("inf"), float("inf"))  # label every major tick, not only the decades
        axis.set_major_formatter(
            LogFormatterSciNotation(labelOnlyBase=False, minor_thresholds=every)
        )
    axis.set_minor_formatter(NullFormatter())
    return ax
