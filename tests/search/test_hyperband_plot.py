"""The Hyperband rungs figure: one line per configuration through the rungs it reached."""

import dataclasses

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape import search
from jaxscape.plot.search import plot_rungs
from jaxscape.search import Space

pytest.importorskip("optuna")


@pytest.fixture(scope="module")
def hb():
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(3))
    space = Space({"learning_rate": search.log_uniform(1e-3, 1.0)})
    return search.hyperband(
        prob, space, 9, eta=3, min_steps=1, brackets=[0], record=search.Record(test=False)
    )


def test_rung_lines_are_each_configurations_records(hb, tmp_path):
    res = hb
    # reference: a direct loop over the records, grouping them by configuration
    want: dict[str, tuple[list[float], list[float]]] = {}
    for c, steps, score in zip(res.configs, res.resource, res.scores, strict=True):
        xs, ys = want.setdefault(repr(c), ([], []))
        xs.append((xs[-1] if xs else 0.0) + float(steps))
        ys.append(float(score))
    fig = plot_rungs(res, path=tmp_path / "rungs.png")
    assert (tmp_path / "rungs.png").stat().st_size > 0
    (ax,) = fig.axes
    lines = [ln for ln in ax.get_lines() if ln.get_gid() == "config"]
    got = sorted((ln.get_xdata().tolist(), ln.get_ydata().tolist()) for ln in lines)
    assert len(got) == len(want) == 9
    for (gx, gy), (wx, wy) in zip(got, sorted(want.values()), strict=True):
        assert gx == wx
        np.testing.assert_allclose(gy, wy)
    # successive halving with R = 9, eta = 3: 9 configurations at 1 step, 3 at 3, 1 at 9
    assert [sum(len(x) > i for x, _ in got) for i in range(3)] == [9, 3, 1]
    assert sorted({x for xs, _ in got for x in xs}) == [1.0, 3.0, 9.0]
    assert "rung 2 (9 steps): 1" in ax.texts[0].get_text()


def test_plot_rungs_rejects_non_hyperband_results(hb):
    res = hb
    with pytest.raises(TypeError, match="res"):
        plot_rungs({"hyperband": res})
    other = dataclasses.replace(res, bracket=-np.ones(res.n_trials, int))
    with pytest.raises(ValueError, match="Hyperband"):
        plot_rungs(other)
