"""``jaxscape landscape`` end to end on a tiny problem in a temporary folder."""

from __future__ import annotations

import jax
import numpy as np

import jaxscape as js
from jaxscape._io import flatten_tree, save_npz
from jaxscape.cli import main

TINY = ["--data", "digits", "--model", "mlp", "--hidden", "8", "--no-progress"]


def _prob():
    return js.Problem.from_model(js.models.MLP(hidden=(8,)), js.data.digits())


def test_random_line_from_the_initial_weights(tmp_path, capsys):
    out = tmp_path / "line"
    assert main(["landscape", *TINY, "--points", "11", "--seed", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "min test_loss" in printed and "at alpha = 0:" in printed
    assert (out / "line.png").read_bytes().startswith(b"\x89PNG")
    line = js.landscape.LandscapeLine.load(out / "line")
    assert line.alphas.shape == (11,) and line.metadata["direction"] == "random"
    # alpha = 0 is the model's initial weights for --seed 3: check against a direct evaluation
    prob = _prob()
    params, state = prob.init(jax.random.key(3))
    test = prob.data.test
    direct = prob.evaluate(params, state, (test.x, test.y))["loss"]
    np.testing.assert_allclose(line.value_at(0.0, "test_loss"), float(direct), rtol=1e-5)


def test_interpolation_between_weight_files_and_a_plane(tmp_path, capsys):
    prob = _prob()
    a, _ = prob.init(jax.random.key(0))
    b, state = prob.init(jax.random.key(1))
    save_npz(tmp_path / "a.npz", flatten_tree(a))
    save_npz(tmp_path / "b.npz", flatten_tree(b))
    args = ["--from", str(tmp_path / "a.npz"), "--to", str(tmp_path / "b.npz")]
    out = tmp_path / "interp"
    assert main(["landscape", *TINY, *args, "--points", "5", "--out", str(out)]) == 0
    line = js.landscape.LandscapeLine.load(out / "line")
    np.testing.assert_allclose(line.alphas, np.linspace(-0.5, 1.5, 5))
    test = prob.data.test
    at_b = prob.evaluate(b, state, (test.x, test.y))["loss"]
    np.testing.assert_allclose(line.value_at(1.0, "test_loss"), float(at_b), rtol=1e-5)
    assert "interpolation" in capsys.readouterr().out

    out = tmp_path / "plane"
    code = main(["landscape", *TINY, "--plane", "--resolution", "3", "--out", str(out)])
    assert code == 0
    surf = js.landscape.LandscapeSurface.load(out / "plane")
    assert surf.metrics["train_loss"].shape == (3, 3)
    assert sorted(p.name for p in out.glob("*.png")) == [
        "plane_contour.png",
        "plane_contourf.png",
        "plane_heatmap.png",
        "plane_surface.png",
    ]


def test_bad_weight_files_are_reported(tmp_path, capsys):
    wrong = js.Problem.from_model(js.models.MLP(hidden=(5,)), js.data.digits())
    save_npz(tmp_path / "w.npz", flatten_tree(wrong.init(jax.random.key(0))[0]))
    args = ["--from", str(tmp_path / "w.npz"), "--to", str(tmp_path / "w.npz")]
    assert main(["landscape", *TINY, *args, "--out", str(tmp_path / "o")]) == 2
    assert "--from" in capsys.readouterr().err
    assert main(["landscape", *TINY, "--from", str(tmp_path / "nope.npz")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["landscape", *TINY, "--range", "1:0", "--out", str(tmp_path / "o")]) == 2
    assert "--range" in capsys.readouterr().err
