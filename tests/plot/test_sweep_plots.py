"""Sweep figures draw exactly the result's numbers."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js

CURV = jnp.asarray([4.0, 1.0])


@pytest.fixture(scope="module")
def res():
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(CURV * p**2), jnp.ones(2))
    table = js.grid(learning_rate=np.geomspace(0.01, 1.0, 7), momentum=[0.0, 0.5])
    return js.sweep(prob, js.optim.sgd, table, steps=20, eval_every=5, progress=False)


def test_final_plot_draws_final_values_and_marks_diverged(res, tmp_path):
    fig = js.plot.plot_final(res, "train_loss", path=tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    lines = [ln for ln in ax.get_lines() if ln.get_label().startswith("momentum")]
    assert len(lines) == 2
    for ln, mu in zip(lines, (0.0, 0.5), strict=True):
        sel = (res.hyperparams["momentum"] == mu) & ~res.diverged
        np.testing.assert_allclose(ln.get_xdata(), res.hyperparams["learning_rate"][sel])
        np.testing.assert_allclose(ln.get_ydata(), res.final("train_loss")[sel], rtol=1e-6)
    crosses = [c for c in ax.collections if c.get_label().startswith("diverged")]
    assert res.diverged.any()  # lr 1.0 > 2/L = 0.5 diverges
    assert crosses and len(crosses[0].get_offsets()) == res.diverged.sum()


def test_curves_plot_one_line_per_trial(res, tmp_path):
    fig = js.plot.plot_curves(res, "train_loss", path=tmp_path / "c.png")
    ax = fig.axes[0]
    curves = [ln for ln in ax.get_lines() if ln.get_marker() in ("None", None, "")]
    assert len(curves) == res.n_trials
    drawn = sorted(tuple(np.nan_to_num(ln.get_ydata(), nan=-1.0)) for ln in curves)
    expect = sorted(tuple(np.nan_to_num(r, nan=-1.0)) for r in res.metrics["train_loss"])
    np.testing.assert_allclose(np.array(drawn), np.array(expect), rtol=1e-6)
    assert len(fig.axes) == 2  # the colour bar


def test_bad_hparam_is_named(res):
    with pytest.raises(ValueError, match="hparam"):
        js.plot.plot_final(res, hparam="nope")


def test_final_plot_rings_failed_trials(tmp_path):
    """At a rate of exactly 2/L, gradient descent on a quadratic flips the sign of its weights
    every step: the loss stays at its start, never exploding. Failed, not diverged: ringed in
    the figure and counted."""
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(2))
    r = js.sweep(
        prob, js.optim.sgd, {"learning_rate": [0.5, 2.0]}, steps=4, eval_every=1, progress=False
    )
    assert not r.diverged.any()
    assert js.Judging().verdicts(r).tolist() == ["ok", "failed"]
    ax = js.plot.plot_final(r, "train_loss", path=tmp_path / "f.png").axes[0]
    rings = [c for c in ax.collections if c.get_label().startswith("failed (1)")]
    assert rings and len(rings[0].get_offsets()) == 1
