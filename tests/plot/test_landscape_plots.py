"""Landscape plots draw the data they are given, save PNGs atomically; the gallery embeds them."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest
from matplotlib.figure import Figure

import jaxscape as js
from jaxscape.landscape.hessian_density import HessianDensity, smooth_density
from jaxscape.plot._style import save_figure
from jaxscape.plot.gallery import gallery
from jaxscape.plot.landscape import plot_density, plot_line, plot_lines, plot_plane

PNG = b"\x89PNG\r\n\x1a\n"


def _line(scale=1.0, label=None, interpolation=False):
    a = np.linspace(-0.5, 1.5, 21)
    metrics = {
        "train_loss": scale * (a - 1) ** 2,
        "train_accuracy": np.clip(a, 0, 1),
        "test_loss": scale * (a - 1) ** 2 + 0.1,
        "test_accuracy": np.clip(a, 0, 1) * 0.9,
    }
    md = {"kind": "interpolation" if interpolation else "line", "problem": "toy"}
    if interpolation:
        md["endpoints"] = [0.0, 1.0]
    if label:
        md["label"] = label
    return js.landscape.LandscapeLine(a, metrics, md)


def _surface(trajectory=True):
    xs, ys = np.linspace(-1, 1, 7), np.linspace(-2, 2, 5)
    z = np.add.outer(ys**2, xs**2) + 0.1
    traj = np.array([[0.8, 1.5], [0.4, 0.5], [0.0, 0.0]]) if trajectory else None
    return js.landscape.LandscapeSurface(
        xs,
        ys,
        {"train_loss": z},
        {"kind": "plane", "direction": ["pca", "pca"]},
        trajectory=traj,
        explained_variance=np.array([0.8, 0.15]) if trajectory else None,
    )


def _ydata(ax, style):
    return [ln.get_ydata() for ln in ax.get_lines() if ln.get_linestyle() == style]


def test_line_plot_has_loss_and_accuracy_axes_with_train_solid_test_dashed(tmp_path):
    line = _line(interpolation=True)
    fig = plot_line(line, path=tmp_path / "l.png")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    loss_ax, acc_ax = fig.axes
    assert any(np.array_equal(y, line.metrics["train_loss"]) for y in _ydata(loss_ax, "-"))
    assert any(np.array_equal(y, line.metrics["test_loss"]) for y in _ydata(loss_ax, "--"))
    assert any(np.array_equal(y, line.metrics["test_accuracy"]) for y in _ydata(acc_ax, "--"))
    assert acc_ax.get_ylabel() == "accuracy" and loss_ax.get_ylabel() == "loss"
    # endpoint markers at alpha 0 and 1 for an interpolation
    vlines = [ln.get_xdata()[0] for ln in loss_ax.get_lines() if ln.get_linestyle() == ":"]
    assert sorted(vlines) == [0.0, 1.0]
    data = (tmp_path / "l.png").read_bytes()
    assert data.startswith(PNG)
    assert [p.name for p in tmp_path.iterdir()] == ["l.png"]  # no temporary file left


def test_loss_only_line_has_one_axis():
    a = np.linspace(-1, 1, 5)
    fig = plot_line(js.landscape.LandscapeLine(a, {"train_loss": a**2}))
    assert len(fig.axes) == 1


def test_overlay_of_lines_colours_each_and_labels_it(tmp_path):
    lines = [_line(1.0, "first"), _line(2.0, "second")]
    lines[1].save(tmp_path / "saved")
    fig = plot_lines([lines[0], tmp_path / "saved"], metric="loss")
    ax = fig.axes[0]
    drawn = [ln for ln in ax.get_lines() if ln.get_linestyle() in ("-", "--")]
    assert len(drawn) == 4
    assert len({ln.get_color() for ln in drawn}) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["first", "second"]
    fig = plot_lines(lines, labels=["a", "b"], metric="test_accuracy")
    assert len([ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "--"]) == 2
    with pytest.raises(ValueError, match="labels has 1 entries for 2 lines"):
        plot_lines(lines, labels=["a"])
    with pytest.raises(ValueError, match="metric 'error' is not in"):
        plot_lines(lines, metric="error")


@pytest.mark.parametrize("kind", ["contour", "contourf", "heatmap", "surface"])
def test_plane_kinds_draw_the_trajectory(kind, tmp_path):
    surf = _surface()
    fig = plot_plane(surf, kind=kind, path=tmp_path / f"{kind}.png")
    assert (tmp_path / f"{kind}.png").read_bytes().startswith(PNG)
    ax = fig.axes[0]
    if kind == "surface":
        assert ax.name == "3d"
        return
    traj = [ln for ln in ax.get_lines() if ln.get_label() == "trajectory"]
    assert len(traj) == 1
    np.testing.assert_array_equal(traj[0].get_xdata(), surf.trajectory[:, 0])
    np.testing.assert_array_equal(traj[0].get_ydata(), surf.trajectory[:, 1])
    assert ax.get_xlabel().startswith("PC1 (80.0%")


def test_plane_argument_errors():
    surf = _surface(trajectory=False)
    with pytest.raises(ValueError, match="kind must be one of"):
        plot_plane(surf, kind="wireframe")
    with pytest.raises(ValueError, match="metric must be one of"):
        plot_plane(surf, metric="test_loss")
    with pytest.raises(TypeError, match="surface must be a LandscapeSurface"):
        plot_plane(_line())


def test_density_plot_and_save_figure(tmp_path):
    nodes, weights = np.array([[0.0, 2.0]]), np.array([[0.25, 0.75]])
    grid, dens, sigma = smooth_density(nodes, weights, 0.1, 400)
    fig = plot_density(HessianDensity(grid, dens, nodes, weights, sigma))
    (curve,) = fig.axes[0].get_lines()
    assert curve.get_xdata()[np.argmax(curve.get_ydata())] == pytest.approx(2.0, abs=0.02)
    assert save_figure(fig, tmp_path / "sub" / "d.png").read_bytes().startswith(PNG)


def test_gallery_embeds_every_landscape_found(tmp_path):
    _line(1.0, "project A final line", interpolation=True).save(tmp_path / "a" / "final")
    _line(3.0, "project B final line", interpolation=True).save(tmp_path / "b" / "deep" / "x")
    page = gallery([tmp_path, _surface()], tmp_path / "gallery.html", title="Mine")
    text = page.read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(images) == 3
    assert all(base64.b64decode(img).startswith(PNG) for img in images)
    assert "project A final line" in text and "project B final line" in text
    assert "<h1>Mine</h1>" in text and "min test_loss" in text
    assert "http" not in text  # self-contained: nothing is fetched
    with pytest.raises(ValueError, match="holds no saved landscape"):
        gallery([], tmp_path / "e.html")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        gallery([tmp_path / "missing"], tmp_path / "e.html")
