"""Figures of the benchmark results (matplotlib ``Figure``s, never ``pyplot``)."""

from __future__ import annotations

import math
import os
from typing import Any

from jaxscape.plot._style import PALETTE, finish, log_axis, new_figure, style_axes

_MARKERS = "os^vDP*X"


#: Implementations told apart by a name's prefix (``"optax.adam"``, ``"torch.adam"``); a name
#: without one is jaxscape's own (or a transformation the caller named).
_IMPLEMENTATIONS = ("optax", "torch")
_STYLES = ("-", "--", ":", "-.")


def split_optimizer(name: str) -> tuple[str, str]:
    """``(algorithm, implementation)`` of a benchmark row's optimizer name.

    >>> split_optimizer("torch.adam"), split_optimizer("adam")
    (('adam', 'torch'), ('adam', 'jaxscape'))
    """
    prefix, _, rest = name.partition(".")
    if rest and prefix in _IMPLEMENTATIONS:
        return rest, prefix
    return name, "jaxscape"


def device_title(environment: dict[str, str]) -> str:
    """The device of a run in a few words: ``"cpu (AMD EPYC 7B13)"``, ``"gpu: NVIDIA H100"``.

    A platform whose kind repeats it (results saved as ``"cpu: cpu"``) is named once.

    >>> device_title({"device": "cpu: cpu"}), device_title({"device": "gpu: NVIDIA H100"})
    ('cpu', 'gpu: NVIDIA H100')
    """
    device = environment.get("device", "")
    platform, _, kind = device.partition(": ")
    if kind and kind.strip().lower() == platform.strip().lower():
        device = platform
    host = environment.get("host")
    if device == "cpu" and host:
        return f"cpu ({host})"
    return device


def plot_update_throughput(res: Any, path: str | os.PathLike | None = None):
    """One panel per algorithm: parameters/s against size (log-log), every implementation
    (jaxscape, ``optax.``, ``torch.``) and variant on the same axes, and the memory-bandwidth
    limit ``copy bandwidth / (bytes moved per parameter)`` as a dashed black line.

    Colour and marker name the implementation, the line style the variant (``tree``,
    ``donated``, ``flat``; torch's ``foreach``, ``fused``).
    """
    timed = [r for r in res.rows if r.ms is not None]
    groups: dict[str, list[Any]] = {}
    for r in timed:
        groups.setdefault(split_optimizer(r.optimizer)[0], []).append(r)
    impls = list(dict.fromkeys(split_optimizer(r.optimizer)[1] for r in timed))
    variants = list(dict.fromkeys(r.variant for r in timed))
    cols = max(1, min(3, len(groups)))
    nrows = max(1, math.ceil(len(groups) / cols))
    fig = new_figure(4.4 * cols, 3.4 * nrows)
    axes = fig.subplots(nrows, cols, squeeze=False).ravel()
    for ax, (algorithm, rows) in zip(axes, groups.items(), strict=False):
        _draw_algorithm(ax, rows, impls, variants)
        style_axes(ax, xlabel="parameters", ylabel="parameters / s", title=algorithm)
        ax.legend(fontsize=7)
    for ax in axes[len(groups) :]:
        ax.set_visible(False)
    if not groups:
        axes[0].set_visible(True)
        axes[0].text(0.5, 0.5, "(nothing timed)", ha="center", va="center")
    fig.suptitle(f"Optimizer update throughput — {device_title(res.environment)}")
    return finish(fig, path)


def _draw_algorithm(ax: Any, rows: list[Any], impls: list[str], variants: list[str]) -> None:
    """Every (implementation, variant) of one algorithm, and its bandwidth limit."""
    for impl, variant in dict.fromkeys((split_optimizer(r.optimizer)[1], r.variant) for r in rows):
        pts = sorted(
            (r.params, r.params_per_s)
            for r in rows
            if r.variant == variant and split_optimizer(r.optimizer)[1] == impl
        )
        i, j = impls.index(impl), variants.index(variant)
        ax.plot(*zip(*pts, strict=True), label=f"{impl} ({variant})",
                color=PALETTE[i % len(PALETTE)], marker=_MARKERS[i % len(_MARKERS)],
                linestyle=_STYLES[j % len(_STYLES)])  # fmt: skip
    limit: dict[int, float] = {}
    for r in rows:  # the most generous limit at each size (implementations count bytes alike)
        if r.copy_gb_per_s is None:
            continue
        bound = 1e9 * r.copy_gb_per_s * r.params / r.bytes_moved
        limit[r.params] = max(limit.get(r.params, 0.0), bound)
    if limit:
        ax.plot(*zip(*sorted(limit.items()), strict=True), "k--", lw=1, label="bandwidth limit")
    log_axis(ax, "x")
    log_axis(ax, "y")


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
        f"{s.get('steps', '')} steps — {device_title(res.environment)}"
    )
    return finish(fig, path)


def _mib(value: int | None) -> float | None:
    return None if value is None else value / 2**20
