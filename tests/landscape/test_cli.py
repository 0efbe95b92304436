"""``jaxscape landscape`` end to end on a tiny problem in a temporary folder."""

from __future__ import annotations

import jax
import numpy as np

import jaxscape as js
from jaxscape._io import flatten_tree, load_npz, save_npz, unflatten_tree
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


def _split_loss(prob, params, state, split):
    """The exact mean loss of ``params`` over a split, by one direct call (no batching)."""
    return float(prob.evaluate(params, state, (split.x, split.y))["loss"])


def test_train_then_plane_around_the_trained_weights(tmp_path, capsys):
    out = tmp_path / "trained"
    args = ["--train", "60", "--lr", "0.1", "--momentum", "0.9", "--train-batch-size", "32"]
    plane_args = ["--plane", "--resolution", "3", "--seed", "2", "--out", str(out)]
    assert main(["landscape", *TINY, *args, *plane_args]) == 0
    assert "trained 60 steps of sgd" in capsys.readouterr().out
    prob = _prob()
    init, state = prob.init(jax.random.key(2))
    trained = unflatten_tree(load_npz(out / "trained.npz"))
    initial = unflatten_tree(load_npz(out / "initial.npz"))
    jax.tree.map(np.testing.assert_array_equal, initial, jax.tree.map(np.asarray, init))
    train = prob.data.train
    before, after = (_split_loss(prob, p, state, train) for p in (init, trained))
    surf = js.landscape.LandscapeSurface.load(out / "plane")
    centre = surf.value_at_centre("train_loss")
    assert after < 0.7 * before  # training lowered the loss a lot
    np.testing.assert_allclose(centre, after, rtol=1e-5)  # the plane's origin is the trained point
    assert centre <= surf.metrics["train_loss"].min() + 1e-6  # and a minimum of the plane


def test_train_pca_plane_has_the_path_and_ends_at_the_trained_weights(tmp_path):
    out = tmp_path / "pca"
    args = ["--train", "40", "--eval-every", "5", "--optimizer", "adam", "--lr", "0.01"]
    assert main(["landscape", *TINY, *args, "--pca", "--resolution", "3", "--out", str(out)]) == 0
    surf = js.landscape.LandscapeSurface.load(out / "pca_plane")
    assert surf.trajectory.shape == (9, 2)  # step 0 and every 5 steps
    np.testing.assert_allclose(surf.trajectory[-1], [0.0, 0.0], atol=1e-6)  # centred at the end
    assert (out / "pca_plane_surface.png").stat().st_size > 10_000


def test_train_refuses_weight_files_and_pca_needs_train(tmp_path, capsys):
    save_npz(tmp_path / "a.npz", flatten_tree(_prob().init(jax.random.key(0))[0]))
    args = ["--train", "5", "--from", str(tmp_path / "a.npz"), "--out", str(tmp_path / "o")]
    assert main(["landscape", *TINY, *args]) == 2
    assert "--from" in capsys.readouterr().err
    assert main(["landscape", *TINY, "--pca", "--out", str(tmp_path / "o")]) == 2
    assert "--train" in capsys.readouterr().err
    assert main(["landscape", *TINY, "--train", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--train" in capsys.readouterr().err


def test_train_a_model_whose_state_holds_prng_keys(tmp_path):
    # the CNN's state is its dropout stream (a PRNG key), carried from the trained run
    out = tmp_path / "cnn"
    cnn = ["--model", "cnn", "--width", "0.25", "--no-progress", "--train", "3", "--points", "3"]
    assert main(["landscape", *cnn, "--train-batch-size", "16", "--out", str(out)]) == 0
    prob = js.Problem.from_model(js.models.CNN(width=0.25), js.data.digits())
    _, state = prob.init(jax.random.key(0))
    trained = unflatten_tree(load_npz(out / "trained.npz"))
    line = js.landscape.LandscapeLine.load(out / "line")
    direct = _split_loss(prob, trained, state, prob.data.test)  # evaluation mode: no dropout
    np.testing.assert_allclose(line.value_at(0.0, "test_loss"), direct, rtol=1e-5)
