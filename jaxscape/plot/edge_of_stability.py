"""The edge-of-stability figure: loss (top) and sharpness (bottom) against the step, one colour
per learning rate, with each rate's threshold ``2 / eta`` dashed in its colour."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from jaxscape.plot._style import PALETTE, finish, new_figure, style_axes

if TYPE_CHECKING:  # the result drawn, for its type only
    from jaxscape.study import EdgeOfStability


def plot_edge_of_stability(
    res: EdgeOfStability, path: str | os.PathLike | None = None, *, log_loss: bool = True
) -> Figure:
    """Two panels sharing the step axis: the training loss of every rate (log scale unless
    ``log_loss=False``), and its sharpness with the dashed line ``2 / eta``.

    Args:
      res: an :class:`~jaxscape.study.EdgeOfStability`.
      path: save a PNG there.

    Example:
      >>> import numpy as np
      >>> from jaxscape.study import EdgeOfStability
      >>> r = EdgeOfStability(np.array([0.1]), np.array([10, 20]), np.array([[1.0, 0.5]]),
      ...                     np.array([[12.0, 19.0]]), np.zeros(1, bool))
      >>> [ax.get_ylabel() for ax in plot_edge_of_stability(r).axes]
      ['training loss', 'sharpness (top eigenvalue)']
    """
    fig = new_figure(6.5, 6.0)
    top, bottom = fig.subplots(2, 1, sharex=True)
    steps = np.asarray(res.steps)
    for i, lr in enumerate(np.asarray(res.learning_rate).tolist()):
        colour = PALETTE[i % len(PALETTE)]
        label = f"η = {lr:.3g}" + (" (diverged)" if res.diverged[i] else "")
        top.plot(steps, res.train_loss[i], color=colour, linewidth=1.0, label=label)
        bottom.plot(steps, res.sharpness[i], color=colour, linewidth=1.0)
        bottom.axhline(2.0 / lr, color=colour, linestyle="--", linewidth=0.9)
    if log_loss:
        top.set_yscale("log")
    style_axes(top, ylabel="training loss", title="Full-batch gradient descent")
    top.legend(frameon=False)
    style_axes(bottom, xlabel="step", ylabel="sharpness (top eigenvalue)")
    finite = res.sharpness[np.isfinite(res.sharpness)]
    thresholds = 2.0 / np.asarray(res.learning_rate, np.float64)
    high = max(float(finite.max()) if finite.size else 0.0, float(thresholds.max()))
    bottom.set_ylim(0.0, 1.15 * high)
    bottom.text(
        0.99, 0.02, "dashed: 2/η", transform=bottom.transAxes, ha="right", va="bottom", fontsize=8
    )
    return finish(fig, path)
