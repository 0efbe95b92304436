"""Figures (matplotlib, Agg-safe): every function returns the Figure and takes ``path=`` to save
a PNG atomically."""

from jaxscape.plot.gallery import gallery
from jaxscape.plot.landscape import PLANE_KINDS, plot_density, plot_line, plot_lines, plot_plane
from jaxscape.plot.sweep import plot_curves, plot_final

__all__ = [
    "PLANE_KINDS",
    "gallery",
    "plot_curves",
    "plot_density",
    "plot_final",
    "plot_line",
    "plot_lines",
    "plot_plane",
]
