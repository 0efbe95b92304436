"""Search figures: incumbent lines, log axes where the space is log, heat-map cells."""

import numpy as np

from jaxscape import search
from jaxscape.plot.search import plot_heatmap, plot_incumbent, plot_slices
from jaxscape.search import SearchResult, Space


def _result(name, scores, lrs, moms):
    n = len(scores)
    return SearchResult(
        configs=tuple({"learning_rate": a, "momentum": b} for a, b in zip(lrs, moms, strict=True)),
        metrics={"val_accuracy": np.asarray(scores, float)},
        metric="val_accuracy",
        resource=np.full(n, 10),
        round=np.zeros(n, int),
        bracket=-np.ones(n, int),
        rung=-np.ones(n, int),
        wall_time=np.arange(1.0, n + 1),
        trial=np.arange(n),
        diverged=np.zeros(n, bool),
        strategy=name,
    )


SPACE = Space(
    {
        "learning_rate": search.log_uniform(1e-4, 1.0),
        "momentum": search.reverse_log_uniform(0.5, 0.999),
    }
)


def test_incumbent_lines_are_the_best_so_far_of_each_strategy():
    a = _result("random", [0.2, 0.1, 0.5, 0.4], [1e-3, 1e-2, 1e-1, 1.0], [0.9, 0.99, 0.6, 0.7])
    b = _result("tpe", [0.3, 0.6], [1e-3, 1e-2], [0.9, 0.95])
    fig = plot_incumbent([a, b])
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_label() in ("random (4)", "tpe (2)")]
    assert [ln.get_ydata().tolist() for ln in lines] == [[0.2, 0.2, 0.5, 0.5], [0.3, 0.6]]
    assert [ln.get_xdata().tolist() for ln in lines] == [[10, 20, 30, 40], [10, 20]]


def test_slices_use_log_axes_where_the_space_is_log():
    r = _result("random", [0.2, 0.1, 0.5], [1e-3, 1e-2, 1e-1], [0.9, 0.99, 0.6])
    fig = plot_slices(r, SPACE)
    assert [ax.get_xscale() for ax in fig.axes] == ["log", "log"]
    assert fig.axes[1].get_xlabel() == "1 - momentum"
    # the reverse-log axis shows 1 - x
    xs = np.sort(np.concatenate([ln.get_xdata() for ln in fig.axes[1].get_lines()]))
    np.testing.assert_allclose(xs, [0.01, 0.1, 0.4])
    lin = Space({"learning_rate": search.uniform(0.0, 1.0), "momentum": search.uniform(0, 1)})
    assert [ax.get_xscale() for ax in plot_slices(r, lin).axes] == ["linear", "linear"]


def test_heatmap_cells_hold_the_best_score_by_a_direct_loop():
    rng = np.random.default_rng(0)
    lrs = 10 ** rng.uniform(-4, 0, 40)
    moms = 1 - 10 ** rng.uniform(-3, np.log10(0.5), 40)
    scores = rng.random(40)
    r = _result("random", scores, lrs, moms)
    fig = plot_heatmap(r, "learning_rate", "momentum", SPACE, bins=4)
    grid = fig.axes[0].collections[0].get_array()
    ex = np.geomspace(lrs.min(), lrs.max(), 5)
    ey = np.geomspace((1 - moms).min(), (1 - moms).max(), 5)
    want = np.full((4, 4), np.nan)
    for x, y, s in zip(lrs, 1 - moms, scores, strict=True):
        i = min(int(np.searchsorted(ex, x, side="right")) - 1, 3)
        j = min(int(np.searchsorted(ey, y, side="right")) - 1, 3)
        want[j, i] = s if np.isnan(want[j, i]) else max(want[j, i], s)
    got = np.ma.filled(np.ma.asarray(grid, dtype=float).reshape(4, 4), np.nan)
    np.testing.assert_allclose(got, want)


def _labels(axis, minor):
    return [t.get_text() for t in axis.get_ticklabels(minor=minor)]


def _shown(axis):
    """The labels of the major ticks inside the view."""
    lo, hi = sorted(axis.get_view_interval())
    ticks = zip(axis.get_majorticklocs(), _labels(axis, False), strict=True)
    return [s for t, s in ticks if lo <= t <= hi]


def test_log_axes_label_the_decades_and_leave_minor_ticks_unlabelled():
    # 1 - momentum over about one decade: matplotlib would label 2x10^-2, 3x10^-2, ... (overlap)
    rng = np.random.default_rng(1)
    moms = 1 - 10 ** rng.uniform(-2, -0.9, 30)
    r = _result("random", rng.random(30), 10 ** rng.uniform(-3, 0, 30), moms)
    slices = plot_slices(r, SPACE)
    heat = plot_heatmap(r, "learning_rate", "momentum", SPACE)
    for fig in (slices, heat):
        fig.canvas.draw()
    axes = [slices.axes[0].xaxis, slices.axes[1].xaxis, heat.axes[0].xaxis, heat.axes[0].yaxis]
    for axis in axes:
        assert axis.get_scale() == "log"
        assert set(_labels(axis, minor=True)) <= {""}
        assert len([s for s in _shown(axis) if s]) >= 2  # never an axis without numbers
    # an axis inside one decade falls back to 1, 2, 5 x 10^k as labelled major ticks
    narrow = _result("random", [0.2, 0.5, 0.4], [1e-3, 1e-2, 1e-1], [0.97, 0.95, 0.93])
    fig = plot_slices(narrow, SPACE)
    fig.canvas.draw()
    axis = fig.axes[1].xaxis
    assert _shown(axis) and all(_shown(axis)) and set(_labels(axis, minor=True)) <= {""}
