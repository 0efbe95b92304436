"""The batch-size study's figure: learning rate x batch size heat maps after equal epochs and
after equal steps, with the best rate per batch size and the linear scaling rule."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from jaxscape._result import higher_is_better
from jaxscape.plot._style import finish, new_figure, style_axes

if TYPE_CHECKING:  # the result drawn, for its type only
    from jaxscape.study import BatchSizeResult


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted ``centres`` (midpoints; the end cells mirror their neighbour)."""
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - mid[0]], mid, [2 * centres[-1] - mid[-1]]])


def plot_batch_size(res: BatchSizeResult, path: str | os.PathLike | None = None) -> Figure:
    """Two heat maps of ``res.metric`` over ``log2(batch size)`` x ``log10(learning rate)``:
    after equal epochs (left) and after equal steps (right).

    Each panel marks the best rate per batch size (white circles) and draws the linear scaling
    rule ``lr = lr*(b_0) * b / b_0`` through the smallest batch's best rate (dashed). Grey
    cells: a seed diverged.

    Args:
      res: a :class:`~jaxscape.study.BatchSizeResult`.
      path: save a PNG there.

    Example:
      >>> import numpy as np
      >>> from jaxscape.study import BatchSizeResult
      >>> c = np.random.default_rng(0).random((3, 2, 1, 1))
      >>> r = BatchSizeResult(np.array([0.1, 0.2, 0.4]), np.array([8, 16]), np.array([0]),
      ...                     np.array([4]), c, np.zeros((3, 2, 1), bool), np.array([4, 4]), 4,
      ...                     1.0, "val_accuracy")
      >>> len(plot_batch_size(r).axes)   # two panels and their colour bars
      4
    """
    from matplotlib import colormaps

    fig = new_figure(11.0, 4.4)
    axes = fig.subplots(1, 2)
    xs = np.log2(res.batch_sizes.astype(np.float64))
    ys = np.log10(res.learning_rates.astype(np.float64))
    grids = {"epochs": res.at_equal_epochs, "steps": res.at_equal_steps}
    finite = np.concatenate([g[np.isfinite(g)] for g in grids.values()])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    name = "viridis" if higher_is_better(res.metric) else "viridis_r"
    cmap = colormaps[name].with_extremes(bad="#bbbbbb")
    titles = {
        "epochs": f"equal epochs ({res.epochs:g} epochs: "
        f"{res.epoch_steps.max()} … {res.epoch_steps.min()} steps)",
        "steps": f"equal steps ({res.equal_steps} steps)",
    }
    for ax, (budget, g) in zip(axes, grids.items(), strict=True):
        mesh = ax.pcolormesh(
            _edges(xs), _edges(ys), np.ma.masked_invalid(g), cmap=cmap, vmin=lo, vmax=hi
        )
        fig.colorbar(mesh, ax=ax, label=res.metric.replace("_", " "), shrink=0.9)
        best = res.best_rates(budget)
        ok = np.isfinite(best)
        ax.plot(xs[ok], np.log10(best[ok]), "o", mfc="white", mec="k", ms=6, label="best rate")
        rule = res.linear_rule(budget)
        if np.all(np.isfinite(rule)):
            ax.plot(xs, np.log10(rule), "--", color="white", lw=1.6, label="linear rule lr ∝ b")
        ax.set_xticks(xs, [str(int(b)) for b in res.batch_sizes])
        ax.set_yticks(ys, [f"{lr:.3g}" for lr in res.learning_rates])
        ax.set_ylim(_edges(ys)[0], _edges(ys)[-1])
        style_axes(ax, xlabel="batch size (log2)", ylabel="learning rate (log10)",
                   title=titles[budget], grid=False)  # fmt: skip
        ax.legend(loc="lower right", fontsize=7, framealpha=0.7)
    fig.suptitle(f"{res.info.get('problem', '')}: learning rate x batch size", size=10)
    return finish(fig, path)
