"""Figures of the tuning procedures and of the recipe.

Every function returns a :class:`matplotlib.figure.Figure` and, given ``path=``, also writes it
as a PNG (atomically). Nothing goes through ``pyplot``. The result classes of
:mod:`jaxscape.tune` call these from their ``plot()`` methods.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure

from jaxscape._result import higher_is_better
from jaxscape._result import label as _label
from jaxscape.plot._style import (
    ACCURACY,
    LOSS,
    PALETTE,
    finish,
    new_figure,
    style_axes,
)
from jaxscape.plot.landscape import plot_line

if TYPE_CHECKING:  # the results drawn; imported for their types only (plot sits above tune)
    from jaxscape.tune import (
        Comparison,
        OptimizerComparison,
        ParallelRangeTest,
        RampRangeTest,
        Report,
    )

PathLike = str | os.PathLike

CHOICE = "#1a7f37"  # the chosen value
CLIFF = "#c62828"  # divergence / failure
BAND = "#b7e4c7"


def _nanmean(x: np.ndarray, axis: int = 0) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(x, axis=axis)


def _momentum_axis(ax: Axes) -> None:
    """A momentum axis spaced like log(1 / (1 - m)), labelled in m."""
    ax.set_xscale(
        "function",
        functions=(
            lambda m: -np.log1p(-np.clip(m, -0.5, 1 - 1e-9)),
            lambda t: -np.expm1(-t),
        ),
    )
    ticks = [0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])


def _value_axis(ax: Axes, scale: str, values: np.ndarray) -> None:
    """The value axis on the test's scale (:mod:`jaxscape.tune.range_tests._scale`)."""
    if scale == "momentum":
        _momentum_axis(ax)
        lo, hi = float(values.min()), float(values.max())
        t = lambda m: -math.log1p(-m)
        pad = 0.05 * (t(hi) - t(lo) or 1.0)
        ax.set_xlim(-math.expm1(-(t(lo) - pad)), -math.expm1(-(t(hi) + pad)))
    elif scale == "log" and np.all(values > 0):
        ax.set_xscale("log")


def _fmt(v: float | None) -> str:
    return "—" if v is None or not math.isfinite(v) else f"{v:.3g}"


# ----------------------------------------------------------------------------- range tests
def draw_parallel_final(ax: Axes, test: ParallelRangeTest, *, legend: bool = True) -> Axes:
    """Final scored metric and final training loss against the value; band, choice, cliff."""
    values = test.values
    final = test.final()
    ok = ~test.failed
    if test.band is not None:
        ax.axvspan(test.band.lo, test.band.hi, color=BAND, alpha=0.6, lw=0, label="good band")
    ax.plot(values[ok], final[ok], "o-", color=ACCURACY, ms=4, lw=1.5, label=_label(test.metric))
    if np.any(~ok):
        y_fail = np.where(np.isfinite(final), final, np.nanmin(final[ok]) if np.any(ok) else 0)
        ax.plot(values[~ok], y_fail[~ok], "x", color=CLIFF, ms=7, mew=2, label="failed run")
    if math.isfinite(test.suggestion):
        ax.axvline(test.suggestion, color=CHOICE, lw=2, label=f"choice {_fmt(test.suggestion)}")
    if test.divergence is not None:
        ax.axvline(
            test.divergence,
            color=CLIFF,
            lw=1.2,
            ls="--",
            label=f"fails from {_fmt(test.divergence)}",
        )
    _value_axis(ax, test.scale, values)
    style_axes(ax, xlabel=_label(test.param), ylabel=f"final {_label(test.metric)}")
    ax.yaxis.label.set_color(ACCURACY)
    if higher_is_better(test.metric) and "accuracy" in test.metric:
        ax.set_ylim(-0.02, 1.02)
    twin = ax.twinx()
    loss = test.final("train_loss")
    twin.plot(values, loss, "s--", color=LOSS, ms=3, lw=1.0, alpha=0.8, label="final train loss")
    start = test.initial.get("train_loss")
    if start is not None and math.isfinite(start):
        twin.axhline(start, color=LOSS, lw=0.8, ls=":", alpha=0.8, label="initial train loss")
    finite = loss[np.isfinite(loss)]
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 20:
        twin.set_yscale("log")
    twin.set_ylabel("train loss", color=LOSS)
    twin.spines["top"].set_visible(False)
    twin.tick_params(labelsize=8)
    if legend:
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = twin.get_legend_handles_labels()
        ax.legend(
            h1 + h2,
            l1 + l2,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.16),
            ncol=3,
            frameon=False,
            fontsize=7,
        )
    return ax


def draw_parallel_curves(ax: Axes, test: ParallelRangeTest, metric: str | None = None) -> Axes:
    """Every run's curve of ``metric`` (default: the scored metric) over epochs, coloured by
    its value; failed runs grey, the chosen one thick."""
    metric = metric or test.metric
    curves = test.curves[metric]
    epochs = test.epochs
    values = test.values
    if test.scale == "momentum":
        norm = Normalize(vmin=-math.log1p(-values.min()), vmax=-math.log1p(-values.max()))
        colour_of = lambda v: norm(-math.log1p(-v))
    else:
        norm = (LogNorm if test.scale == "log" else Normalize)(values.min(), values.max())
        colour_of = lambda v: norm(v)
    cmap = _cmap()
    chosen = test.suggestion
    for i, v in enumerate(values):
        if test.failed[i]:
            ax.plot(epochs, curves[i], color="#bbbbbb", lw=0.8, alpha=0.8)
            continue
        lw = 2.6 if math.isfinite(chosen) and v == chosen else 1.0
        ax.plot(epochs, curves[i], color=cmap(colour_of(v)), lw=lw)
    if "accuracy" in metric:
        ax.set_ylim(-0.02, 1.02)
    style_axes(ax, xlabel="epoch", ylabel=_label(metric))
    mappable = ScalarMappable(norm=norm, cmap=cmap)
    cbar = ax.figure.colorbar(mappable, ax=ax, pad=0.01, fraction=0.05)
    if test.scale == "momentum":
        ticks = [v for v in (0.0, 0.5, 0.8, 0.9, 0.95, 0.99) if values.min() <= v <= values.max()]
        cbar.set_ticks([-math.log1p(-t) for t in ticks], labels=[f"{t:g}" for t in ticks])
    cbar.set_label(f"{_label(test.param)} (grey: failed, thick: chosen)", fontsize=7)
    cbar.ax.tick_params(labelsize=7)
    return ax


def _cmap():
    from matplotlib import colormaps

    return colormaps["viridis"]


def plot_parallel_range(
    test: ParallelRangeTest, *, path: PathLike | None = None, title: str | None = None
) -> Figure:
    """A :class:`~jaxscape.tune.ParallelRangeTest`: final metric and training loss against
    the value (band shaded, choice green, failures red) and every run's held-out curve.

    Example:
      >>> import numpy as np
      >>> from jaxscape.tune.seven_steps.flags import _toy_parallel
      >>> fig = plot_parallel_range(_toy_parallel([2.0, 1.0, 0.5, np.nan]))
      >>> len(fig.axes) >= 3
      True
    """
    fig = new_figure(11.0, 4.0)
    left, right = fig.subplots(1, 2, width_ratios=[1.1, 1.0])
    draw_parallel_final(left, test)
    draw_parallel_curves(right, test)
    what = test.param.replace("_", "-")
    fixed = ", ".join(f"{k} {_fmt(v)}" for k, v in test.fixed.items() if isinstance(v, float))
    fig.suptitle(
        title
        or f"Parallel {what} range test: {test.values.size} runs of {int(test.steps[-1])} steps"
        + (f" ({fixed})" if fixed else ""),
        fontsize=10,
    )
    left.set_title(
        f"choice {_fmt(test.suggestion)}: centre of the band where the final "
        f"{_label(test.metric)} is within {_fmt(test.band.tolerance if test.band else None)} "
        "of the best",
        fontsize=8,
    )
    right.set_title(f"{_label(test.metric)} of every run during training", fontsize=8)
    return finish(fig, path)


def draw_ramp(ax: Axes, test: RampRangeTest, *, legend: bool = True) -> Axes:
    """Raw and smoothed loss of a ramp against the value; stop and suggestions marked."""
    v, raw, smooth = test.values, test.losses, test.smoothed
    end = v.size if test.stop is None else test.stop + 1
    ax.plot(v, raw, color=LOSS, lw=0.8, alpha=0.35, label=f"{_label(test.metric)} (raw)")
    ax.plot(v[:end], smooth[:end], color=LOSS, lw=1.8, label="smoothed (EMA)")
    if end < v.size:
        ax.plot(v[end - 1 :], smooth[end - 1 :], color=LOSS, lw=1.0, ls=":", alpha=0.6)
    if test.stop is not None:
        ax.axvline(
            test.values[test.stop],
            color=CLIFF,
            ls="--",
            lw=1.2,
            label=f"stop: 4x best at {_fmt(test.divergence)}",
        )
    markers = {"valley": "o", "slide": "s", "minimum": "v", "steepest": "^"}
    for i, (rule, value) in enumerate(test.suggestions.items()):
        if not math.isfinite(value):
            continue
        y = np.interp(value, v[:end], smooth[:end]) if end > 1 else smooth[0]
        chosen = rule == test.rule
        ax.plot(
            value,
            y,
            markers.get(rule, "o"),
            color=PALETTE[(i + 1) % len(PALETTE)],
            ms=9 if chosen else 6,
            mec="black" if chosen else "none",
            label=f"{rule} {_fmt(value)}" + (" (default rule)" if chosen else ""),
            zorder=5,
        )
    finite = smooth[:end][np.isfinite(smooth[:end])]
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        pad = 0.08 * (hi - lo or abs(hi) or 1.0)
        ax.set_ylim(lo - pad, hi + 3 * pad)
    if test.settings.get("ramp") == "exponential" and np.all(v > 0):
        ax.set_xscale("log")
    style_axes(ax, xlabel=_label(test.param), ylabel=_label(test.metric))
    if legend:
        ax.legend(loc="best", frameon=False, fontsize=7)
    return ax


def plot_ramp_range(
    test: RampRangeTest, *, path: PathLike | None = None, title: str | None = None
) -> Figure:
    """A :class:`~jaxscape.tune.RampRangeTest`: raw and smoothed loss, stop, suggestions.

    Example:
      >>> import numpy as np
      >>> from jaxscape.tune.range_tests._run_ramp import analyse_ramp
      >>> v = np.geomspace(1e-4, 1, 40)
      >>> loss = np.concatenate([np.linspace(2.3, 0.5, 30), np.geomspace(0.6, 50, 10)])
      >>> t = analyse_ramp("learning_rate", v, np.arange(40), {"train_loss": loss}, {},
      ...     metric="train_loss", beta=0.5, bias_correction=True, stop_factor=4.0,
      ...     rule="valley", spacing="log", skip_start=None, skip_end=5, settings={})
      >>> len(plot_ramp_range(t).axes)
      1
    """
    fig = new_figure(6.5, 4.0)
    ax = fig.add_subplot()
    draw_ramp(ax, test)
    s = test.settings
    every = s.get("every", "step")
    ax.set_title(
        title
        or f"{test.param.replace('_', '-').capitalize()} ramp: "
        f"{test.values.size} {every}s, {s.get('ramp', '')}\nEMA beta {s.get('beta', 0):g}"
        + (" (bias-corrected)" if s.get("bias_correction") else "")
        + f", stop at {s.get('stop_factor', 4):g}x best, steepest over {s.get('spacing', 'log')}"
        " spacing",
        fontsize=9,
    )
    return finish(fig, path)


# ----------------------------------------------------------------------------- comparisons
def draw_comparison_curves(ax: Axes, cmp: Comparison, metric: str | None = None) -> Axes:
    """Mean ± SE over seeds of every arm's ``metric`` over epochs; single seeds faint."""
    metric = metric or cmp.metric
    epochs = cmp.epochs
    for i, arm in enumerate(cmp.arms):
        colour = PALETTE[i % len(PALETTE)]
        curves = np.asarray(cmp.curves[arm][metric], dtype=np.float64)
        for row in curves:
            ax.plot(epochs, row, color=colour, lw=0.6, alpha=0.25)
        mean = _nanmean(curves)
        n = np.sum(np.isfinite(curves), axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            se = np.nanstd(curves, axis=0, ddof=1) / np.sqrt(np.maximum(n, 1))
        lw = 2.2 if arm == cmp.chosen() else 1.5
        ax.plot(
            epochs,
            mean,
            color=colour,
            lw=lw,
            label=arm + (" (chosen)" if arm == cmp.chosen() else ""),
        )
        if curves.shape[0] > 1:
            ax.fill_between(epochs, mean - se, mean + se, color=colour, alpha=0.18, lw=0)
    if "accuracy" in metric:
        finite = np.concatenate(
            [np.asarray(cmp.curves[a][metric])[:, 1:].ravel() for a in cmp.arms]
        )
        finite = finite[np.isfinite(finite)]
        if finite.size:
            lo = float(np.quantile(finite, 0.1))
            ax.set_ylim(max(0.0, lo - 0.05), min(1.0, float(finite.max()) + 0.02))
    style_axes(
        ax, xlabel="epoch", ylabel=_label(metric) + f" (mean ± SE of {len(cmp.seeds)} seeds)"
    )
    ax.legend(loc="best", frameon=False, fontsize=7)
    return ax


def draw_paired_differences(ax: Axes, cmp: Comparison) -> Axes:
    """Per-seed improvement of every variant over the baseline, with mean ± k SE."""
    names = list(cmp.verdicts)
    for i, arm in enumerate(names):
        v = cmp.verdicts[arm]
        sign = 1.0 if higher_is_better(v.metric) else -1.0
        diff = sign * (v.candidate - v.baseline)
        colour = PALETTE[(cmp.arms.index(arm)) % len(PALETTE)]
        jitter = np.linspace(-0.08, 0.08, diff.size) if diff.size > 1 else np.zeros(1)
        ax.plot(i + jitter, diff, "o", color=colour, ms=5, alpha=0.8)
        if math.isfinite(v.effect):
            err = v.k * v.se if math.isfinite(v.se) else 0.0
            ax.errorbar(i + 0.25, v.effect, yerr=err, fmt="D", color="black", ms=5, capsize=4)
    ax.axhline(0.0, color="#444444", lw=0.8)
    labels = [f"{n}\n({'adopt' if cmp.verdicts[n].adopt else 'keep baseline'})" for n in names]
    ax.set_xticks(range(len(names)), labels, fontsize=7)
    for tick, n in zip(ax.get_xticklabels(), names, strict=True):
        tick.set_color(CHOICE if cmp.verdicts[n].adopt else "#333333")
    ax.set_xlim(-0.6, len(names) - 0.4)
    metric = cmp.metric
    better = "higher" if higher_is_better(metric) else "lower"
    style_axes(
        ax,
        ylabel=f"improvement of final {_label(metric)}\nvs {cmp.baseline} ({better} is better)",
    )
    k = next(iter(cmp.verdicts.values())).k if cmp.verdicts else 2.0
    ax.set_title(f"per seed (dots); mean ± {k:g} SE (diamond)", fontsize=8)
    return ax


def draw_rates(ax: Axes, cmp: Comparison) -> Axes:
    """The learning rate of every step of every arm, over epochs."""
    spe = max(cmp.steps_per_epoch, 1)
    for i, arm in enumerate(cmp.arms):
        if arm in cmp.rates:
            r = np.asarray(cmp.rates[arm])
            ax.plot(np.arange(r.size) / spe, r, color=PALETTE[i % len(PALETTE)], lw=1.3, label=arm)
    style_axes(ax, xlabel="epoch", ylabel="learning rate")
    if cmp.plateau is not None:
        ax.set_title(f"schedules (M = {cmp.plateau.epoch} epochs)", fontsize=8)
    return ax


def plot_comparison(
    cmp: Comparison, *, path: PathLike | None = None, title: str | None = None
) -> Figure:
    """A :class:`~jaxscape.tune.Comparison`: curves, paired differences, and the rates.

    Example:
      >>> import numpy as np
      >>> from jaxscape.tune.comparisons.comparison import Comparison, verdicts_for
      >>> curves = {a: {"val_accuracy": np.array([[0.1, 0.8 + d], [0.1, 0.82 + d]])}
      ...           for a, d in (("base", 0.0), ("variant", 0.05))}
      >>> cmp = Comparison("demo", ["base", "variant"], {}, np.array([0, 1]), np.array([0, 10]),
      ...     10, curves, {a: np.zeros(2, bool) for a in curves}, "val_accuracy",
      ...     verdicts_for(curves, ["base", "variant"], "val_accuracy", k=2, min_effect=0))
      >>> len(plot_comparison(cmp).axes)
      2
    """
    panels = 3 if cmp.rates else 2
    fig = new_figure(12.0 if panels == 3 else 9.5, 3.9)
    axes = fig.subplots(1, panels, width_ratios=[1.4, 0.8, 1.0][:panels])
    draw_comparison_curves(axes[0], cmp)
    draw_paired_differences(axes[1], cmp)
    if panels == 3:
        draw_rates(axes[2], cmp)
    fig.suptitle(title or f"{cmp.name}: {', '.join(cmp.arms)}", fontsize=10)
    return finish(fig, path)


def draw_sweeps(ax: Axes, opt: OptimizerComparison) -> Axes:
    """Every searched family's final metric against the rate, choices marked."""
    for name, test in opt.sweeps.items():
        colour = PALETTE[(list(opt.chosen).index(name)) % len(PALETTE)]
        final = test.final()
        ok = ~test.failed
        ax.plot(test.values[ok], final[ok], "o-", color=colour, ms=3, lw=1.3, label=name)
        if np.any(~ok):
            ax.plot(
                test.values[~ok],
                np.full((~ok).sum(), np.nanmin(final[ok]) if np.any(ok) else 0),
                "x",
                color=colour,
                ms=5,
            )
        if math.isfinite(test.suggestion):
            ax.axvline(test.suggestion, color=colour, lw=1.5, ls="--")
    for name, h in opt.chosen.items():
        if name not in opt.sweeps:
            colour = PALETTE[(list(opt.chosen).index(name)) % len(PALETTE)]
            ax.axvline(h["learning_rate"], color=colour, lw=1.5, ls="--", label=f"{name} (tuned)")
    ax.set_xscale("log")
    some = next(iter(opt.sweeps.values()), None)
    metric = some.metric if some is not None else opt.comparison.metric
    if "accuracy" in metric:
        ax.set_ylim(-0.02, 1.02)
    style_axes(ax, xlabel="learning rate", ylabel=f"final {_label(metric)} (short runs)")
    ax.set_title("each family's own rate search (dashed: chosen rate; x: failed)", fontsize=8)
    ax.legend(loc="best", frameon=False, fontsize=7)
    return ax


def plot_optimizers(
    opt: OptimizerComparison, *, path: PathLike | None = None, title: str | None = None
) -> Figure:
    """An :class:`~jaxscape.tune.OptimizerComparison`: the rate searches, the seeded runs and
    the paired differences."""
    fig = new_figure(13.0, 3.9)
    axes = fig.subplots(1, 3, width_ratios=[1.0, 1.2, 0.7])
    draw_sweeps(axes[0], opt)
    draw_comparison_curves(axes[1], opt.comparison)
    if opt.comparison.verdicts:
        draw_paired_differences(axes[2], opt.comparison)
    else:
        axes[2].set_axis_off()
    rates = ", ".join(f"{k} {_fmt(v['learning_rate'])}" for k, v in opt.chosen.items())
    fig.suptitle(title or f"Optimizers ({rates}); best: {opt.best}", fontsize=10)
    return finish(fig, path)


# ----------------------------------------------------------------------------- the recipe
def _hp_line(report: Any) -> str:
    hp = report.hyperparameters
    best = hp.get("best_optimizer") or {}
    return (
        f"learning_rate {_fmt(hp.get('learning_rate'))}, momentum {_fmt(hp.get('momentum'))}, "
        f"decay {'yes' if hp.get('use_decay') else 'no'}, "
        f"cyclical {'yes' if hp.get('use_cyclical') else 'no'}, "
        f"best optimizer {best.get('name')} (lr {_fmt(best.get('learning_rate'))}); "
        f"red flags: {', '.join(f.code for f in report.red_flags) or 'none'}"
    )


def plot_recipe_overview(
    report: Report, *, path: PathLike | None = None, title: str | None = None
) -> Figure:
    """One figure of the whole recipe: a panel per step (the README figure).

    Panels: the initial line, the learning-rate test, the momentum test, the schedule checks,
    the optimizer comparison, and the final line.
    """
    r = report.results
    fig = new_figure(14.0, 8.2)
    axes = fig.subplots(2, 3).ravel()
    if "initial_line" in r:
        plot_line(r["initial_line"], ax=axes[0], title="1. initial line (1 = briefly trained)")
    if "lr_range" in r:
        draw_parallel_final(axes[1], r["lr_range"])
        axes[1].set_title("2. learning-rate range test (parallel)", fontsize=10)
    if "momentum_range" in r:
        draw_parallel_final(axes[2], r["momentum_range"])
        kept = report.hyperparameters.get("momentum")
        axes[2].set_title(
            f"3. momentum test at lr {_fmt(r['momentum_range'].fixed.get('learning_rate'))}"
            f" (kept after confirmation: {_fmt(kept)})",
            fontsize=10,
        )
    if "schedules" in r:
        draw_comparison_curves(axes[3], r["schedules"])
        m = r["schedules"].plateau.epoch if r["schedules"].plateau else None
        axes[3].set_title(f"4.-5. decay and cyclical rate (M = {m})", fontsize=10)
    if "optimizers" in r:
        draw_comparison_curves(axes[4], r["optimizers"].comparison)
        axes[4].set_title("6. optimizers, each with its own rate", fontsize=10)
    if "final_line" in r:
        plot_line(r["final_line"], ax=axes[5], title="7. final line (0 = initial, 1 = trained)")
    for ax in axes:
        if not ax.has_data():
            ax.set_axis_off()
    info = report.info
    head = title or f"jaxscape recipe — {info.get('problem', '')}"
    fig.suptitle(f"{head}\n{_hp_line(report)}", fontsize=10)
    return finish(fig, path)


def recipe_figures(report: Report) -> dict[str, Figure]:
    """``{name: Figure}`` for every step of a recipe report, plus ``"overview"``."""
    r = report.results
    figs: dict[str, Figure] = {"overview": plot_recipe_overview(report)}
    if "initial_line" in r:
        label = r["initial_line"].metadata.get("label", "")
        figs["1_initial_line"] = plot_line(
            r["initial_line"], title=f"Step 1 — {label}" if label else "Step 1 — initial line"
        )
    if "lr_range" in r:
        figs["2_lr_range"] = plot_parallel_range(r["lr_range"])
    if "lr_ramp" in r:
        figs["2_lr_ramp"] = plot_ramp_range(r["lr_ramp"])
    if "momentum_range" in r:
        figs["3_momentum_range"] = plot_parallel_range(r["momentum_range"])
    if "momentum_confirm" in r:
        figs["3_momentum_confirm"] = plot_comparison(
            r["momentum_confirm"], title="Step 3 — does momentum help? (same seeds, paired)"
        )
    if "schedules" in r:
        figs["4_5_schedules"] = plot_comparison(
            r["schedules"], title="Steps 4 and 5 — constant vs power decay vs cyclical rate"
        )
    if "optimizers" in r:
        figs["6_optimizers"] = plot_optimizers(r["optimizers"])
    if "final_line" in r:
        figs["7_final_line"] = plot_line(
            r["final_line"], title="Step 7 — final line: initial (0) to trained (1) weights"
        )
    return figs
