"""Figures (matplotlib, Agg-safe): every function returns the Figure and takes ``path=`` to save
a PNG atomically."""

from jaxscape.plot.gallery import gallery
from jaxscape.plot.landscape import PLANE_KINDS, plot_density, plot_line, plot_lines, plot_plane

__all__ = ["PLANE_KINDS", "gallery", "plot_density", "plot_line", "plot_lines", "plot_plane"]
