"""Saved lines and surfaces reload equal, in open formats."""

from __future__ import annotations

import dataclasses
import json

import jax
import numpy as np
import pytest

import jaxscape as js


def _assert_same_arrays(a: dict, b: dict):
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        assert np.asarray(a[k]).dtype == np.asarray(b[k]).dtype


def test_line_round_trip(tiny_mlp, tmp_path):
    params, _ = tiny_mlp.init(jax.random.key(0))
    d = js.landscape.random_direction(params, jax.random.key(1))
    line = js.landscape.line(
        tiny_mlp, params, d, np.linspace(-1, 1, 9), progress=False, label="init line"
    )
    folder = line.save(tmp_path / "line")
    assert sorted(p.name for p in folder.iterdir()) == ["arrays.npz", "landscape.json"]
    meta = json.loads((folder / "landscape.json").read_text())
    assert meta["metadata"]["label"] == "init line"
    back = js.landscape.LandscapeLine.load(folder)
    np.testing.assert_array_equal(back.alphas, line.alphas)
    _assert_same_arrays(back.metrics, line.metrics)
    assert back.metadata == line.metadata
    assert isinstance(js.landscape.load_landscape(folder), js.landscape.LandscapeLine)
    with np.load(folder / "arrays.npz", allow_pickle=False) as raw:
        assert "alphas" in raw.files


def test_surface_round_trip_with_trajectory(tmp_path):
    xs, ys = np.linspace(-1, 1, 3), np.linspace(0, 2, 4)
    z = np.add.outer(ys, xs).astype(np.float32)
    surf = js.landscape.LandscapeSurface(
        xs,
        ys,
        {"train_loss": z, "test_loss": 2 * z},
        {"kind": "plane", "move": "params"},
        trajectory=np.arange(6.0).reshape(3, 2),
        explained_variance=np.array([0.7, 0.2]),
    )
    back = js.landscape.load_landscape(surf.save(tmp_path / "s"))
    assert isinstance(back, js.landscape.LandscapeSurface)
    for name in ("xs", "ys", "trajectory", "explained_variance"):
        np.testing.assert_array_equal(getattr(back, name), getattr(surf, name))
    _assert_same_arrays(back.metrics, surf.metrics)
    assert back.metadata == surf.metadata
    plain = js.landscape.LandscapeSurface(xs, ys, {"train_loss": z})
    again = js.landscape.LandscapeSurface.load(plain.save(tmp_path / "p"))
    assert again.trajectory is None and again.explained_variance is None


def test_loading_the_wrong_kind_or_folder_fails(tmp_path):
    line = js.landscape.LandscapeLine(np.zeros(2), {"train_loss": np.ones(2)})
    line.save(tmp_path / "l")
    with pytest.raises(ValueError, match=r"not 'jaxscape\.landscape\.surface/1'"):
        js.landscape.LandscapeSurface.load(tmp_path / "l")
    with pytest.raises(FileNotFoundError, match="not a saved landscape"):
        js.landscape.load_landscape(tmp_path)


def test_line_table_summary_and_plot(tmp_path):
    a = np.linspace(-1, 1, 5)
    loss = np.array([4.0, 1.5, 0.5, 0.25, 3.0])
    line = js.landscape.LandscapeLine(a, {"train_loss": loss, "test_loss": loss + 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.alphas = a
    frame = line.to_dataframe()
    assert list(frame.columns) == ["alpha", "train_loss", "test_loss"] and len(frame) == 5
    for k in range(5):  # one row per point, in order
        assert frame.iloc[k].tolist() == [a[k], loss[k], loss[k] + 1]
    text = line.summary()
    assert "min train_loss 0.25 at alpha = 0.5" in text  # the default: the training loss
    assert "at alpha = 0: train_loss 0.5" in text and "[0.25, 4]" in text
    assert "min test_loss 1.25" in line.summary("test_loss")
    with pytest.raises(ValueError, match="metric must be one of"):
        line.summary("val_loss")
    line.plot(tmp_path / "line.png")
    assert (tmp_path / "line.png").read_bytes().startswith(b"\x89PNG")


def test_surface_table_summary_and_plot(tmp_path):
    xs, ys = np.array([-1.0, 0.0, 2.0]), np.array([0.0, 1.0])
    z = np.add.outer(ys - 1.0, xs) ** 2  # [ny, nx]: z[i, j] at (xs[j], ys[i])
    z[1, 1] = -0.5  # the minimum, at x = 0, y = 1
    surf = js.landscape.LandscapeSurface(xs, ys, {"test_loss": z + 1, "train_loss": z})
    frame = surf.to_dataframe()
    assert list(frame.columns) == ["x", "y", "test_loss", "train_loss"] and len(frame) == 6
    for row in frame.itertuples():
        i, j = list(ys).index(row.y), list(xs).index(row.x)
        assert row.train_loss == z[i, j] and row.test_loss == z[i, j] + 1
    text = surf.summary()
    assert "min train_loss -0.5 at (x, y) = (0, 1)" in text
    assert f"at the centre: train_loss {z[0, 1]:.4g}" in text
    assert surf.value_at_centre() == z[0, 1] and surf.value_at_centre("test_loss") == z[0, 1] + 1
    fig = surf.plot(tmp_path / "s.png", kind="surface")
    assert fig.axes and (tmp_path / "s.png").stat().st_size > 1000
