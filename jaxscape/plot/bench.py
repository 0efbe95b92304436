"""Figures of the benchmark results (matplotlib ``Figure``s, never ``pyplot``)."""

from __future__ import annotations

import math
import os
from typing import Any

from jaxscape.plot._style import PALETTE, finish, new_figure, style_axes

_MARKERS = "os^vDP*X"


def plot_update_throughput(res: Any, path: str | os.PathLike | None = None):
    """One panel per optimizer: parameters/s against size for every variant (log-log), and the
    memory-bandwidth limit ``copy bandwidth / (bytes moved per parameter)`` as a dashed line."""
    timed = [r for r in res.rows if r.ms is not None]
    names = list(dict.fromkeys(r.optimizer for r in timed)) or ["(nothing timed)"]
    cols = min(3, len(names))
    nrows = math.ceil(len(names) / cols)
    fig = new_figure(4.0 * cols, 3.2 * nrows)
    axes = fig.subplots(nrows, cols, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        rows = [r for r in timed if r.optimizer == name]
        variants = list(dict.fromkeys(r.variant for r in rows))
        for i, v in enumerate(variants):
            pts = sorted((r.params, r.params_per_s) for r in rows if r.variant == v)
            ax.plot(*zip(*pts, strict=True), marker=_MARKERS[i % len(_MARKERS)], label=v,
                    color=PALETTE[i % len(PALETTE)])  # fmt: skip
        limit = sorted({(r.params, 1e9 * r.copy_gb_per_s * r.params / r.bytes_moved) for r in rows})
        if limit:
            ax.plot(*zip(*limit, strict=True), "k--", lw=1, label="bandwidth limit")
        ax.set_xscale("log")
        ax.set_yscale("log")
        style_axes(ax, xlabel="parameters", ylabel="parameters / s", title=name)
        ax.legend(fontsize=7)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    fig.suptitle(f"Optimizer update throughput — {res.environment.get('device', '')}")
    return finish(fig, path)


def plot_population_scaling(res: Any, path: str | os.PathLike | None = None):
    """Trial-steps/s (population and loop), compile time and memory per trial against ``N``."""
    rows = [r for r in res.rows if r.run_s is not None]
    fig = new_figure(12.0, 3.6)
    ax_tp, ax_c, ax_m = fig.subplots(1, 3)
    n = [r.trials for r in rows]
    series = (
        ("population (js.sweep)", [r.trial_steps_per_s for r in rows], ax_tp, 0),
        ("loop of single jitted runs", [r.loop_trial_steps_per_s for r in rows], ax_tp, 1),
        ("population", [r.compile_s for r in rows], ax_c, 0),
        ("single run (loop)", [r.loop_compile_s for r in rows], ax_c, 1),
        ("XLA memory / trial", [_mib(r.memory_per_trial) for r in rows], ax_m, 0),
        ("state / trial", [_mib(r.state_bytes_per_trial) for r in rows], ax_m, 1),
    )
    for label, ys, ax, i in series:
        pts = [(x, y) for x, y in zip(n, ys, strict=True) if y is not None]
        if pts:
            ax.plot(*zip(*pts, strict=True), marker=_MARKERS[i], color=PALETTE[i], label=label)
    labels = (("trial-steps / s", ax_tp), ("compile s", ax_c), ("MiB per trial", ax_m))
    for ylabel, ax in labels:
        ax.set_xscale("log", base=2)
        style_axes(ax, xlabel="trials N", ylabel=ylabel)
        if ax.lines:
            ax.legend(fontsize=7)
    ax_tp.set_yscale("log")
    ax_c.set_ylim(bottom=0)
    ax_m.set_ylim(bottom=0)
    s = res.settings
    fig.suptitle(
        f"Population scaling — {s.get('problem', '')}, {s.get('optimizer', '')}, "
        f"{s.get('steps', '')} steps — {res.environment.get('device', '')}"
    )
    return finish(fig, path)


def _mib(value: int | None) -> float | None:
    return None if value is None else value / 2**20
