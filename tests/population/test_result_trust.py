"""SweepResult queries against hand computations; seeds in the PRNG's range; atomic saves."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape.population import result as result_module

NAN = np.nan


def _result(params=None, trajectory=None) -> js.SweepResult:
    """Two trials, four records; trial 1 diverged after its second record."""
    return js.SweepResult(
        hyperparams={"learning_rate": np.array([0.1, 1.0]), "seed": np.array([0, 0])},
        static={},
        steps=np.array([5, 10, 15, 20]),
        metrics={
            "train_loss": np.array([[2.0, 1.0, 1.5, 1.2], [2.0, 0.7, NAN, NAN]], np.float32),
            "test_loss": np.array([[2.1, 0.9, 1.4, 1.3], [2.2, 0.8, NAN, NAN]], np.float32),
            "test_accuracy": np.array([[0.1, 0.6, 0.4, 0.5], [0.2, 0.3, NAN, NAN]], np.float32),
        },
        diverged=np.array([False, True]),
        diverged_at=np.array([-1, 11]),
        params=params,
        trajectory=trajectory,
        info={"steps": 20},
    )


def test_best_over_time_maximises_accuracy_and_minimises_loss():
    res = _result()
    assert res.default_metric == "test_accuracy"
    # by hand: the largest finite accuracy of each row, the smallest finite loss
    np.testing.assert_allclose(res.best_over_time(), [0.6, 0.3], rtol=1e-6)
    np.testing.assert_allclose(res.best_over_time("test_accuracy"), [0.6, 0.3], rtol=1e-6)
    np.testing.assert_allclose(res.best_over_time("test_loss"), [0.9, 0.8], rtol=1e-6)
    np.testing.assert_allclose(res.best_over_time("train_loss"), [1.0, 0.7], rtol=1e-6)


def test_best_over_time_is_nan_for_a_trial_never_finite():
    res = _result()
    res.metrics["test_accuracy"][1] = NAN
    best = res.best_over_time()
    assert best[0] == pytest.approx(0.6) and np.isnan(best[1])


def _quadratic():
    return js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(3))


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"seed": 2**32}, r"^seed must be in \[0, 2\*\*32\)"),
        ({"table": {"learning_rate": 0.1, "seed": [0, 2**32]}}, r"table\['seed'\].*index 1"),
        ({"table": {"learning_rate": 0.1, "seed": [3.0, 2.0**40]}}, r"table\['seed'\]"),
        ({"table": {"learning_rate": 0.1, "seed": [-1, 2]}}, r"table\['seed'\].*-1"),
    ],
)
def test_seeds_outside_the_prng_range_are_refused(kw, match):
    table = kw.pop("table", {"learning_rate": 0.1})
    with pytest.raises(ValueError, match=match):
        js.sweep(_quadratic(), js.optim.sgd, table, steps=2, progress=False, **kw)


def test_the_largest_seed_is_accepted_and_differs_from_seed_zero():
    prob = js.Problem.from_model(js.models.MLP(hidden=(4,)), js.data.digits())
    res = js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": 0.1, "seed": [0, 2**32 - 1]},
        steps=1,
        batch_size=None,
        keep_params=True,
        progress=False,
    )
    leaves = jax.tree.leaves(res.params)
    assert not np.allclose(leaves[0][0], leaves[0][1])  # other initial weights


def _assert_same(a: js.SweepResult, b: js.SweepResult) -> None:
    assert a.metrics.keys() == b.metrics.keys()
    for k in a.metrics:
        np.testing.assert_array_equal(a.metrics[k], b.metrics[k])
    np.testing.assert_array_equal(a.steps, b.steps)
    np.testing.assert_array_equal(a.diverged_at, b.diverged_at)


def test_a_save_without_params_replaces_one_with_params(tmp_path):
    folder = tmp_path / "res"
    params = {"w": np.arange(6.0).reshape(2, 3)}
    traj = {"trials": np.array([0]), "steps": np.array([0, 20]), "params": {"w": np.ones((1, 2))}}
    _result(params=params, trajectory=traj).save(folder)
    first = js.SweepResult.load(folder)
    np.testing.assert_array_equal(first.params["w"], params["w"])
    assert first.trajectory is not None
    (folder / "notes.txt").write_text("mine")  # not the result's: kept

    _result().save(folder)
    again = js.SweepResult.load(folder)
    assert again.params is None and again.trajectory is None
    assert not (folder / "params.npz").exists() and not (folder / "trajectory.npz").exists()
    assert (folder / "notes.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["res"]  # no temporary folder left
    _assert_same(again, _result())


def test_an_interrupted_save_leaves_the_previous_save_intact(tmp_path, monkeypatch):
    folder = tmp_path / "res"
    params = {"w": np.arange(6.0).reshape(2, 3)}
    _result(params=params).save(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    other = _result()
    other.metrics["test_loss"] = other.metrics["test_loss"] + 1.0
    written = []
    real_save_npz = result_module.save_npz

    def failing_save_npz(path, arrays):
        written.append(path)
        real_save_npz(path, arrays)
        raise KeyboardInterrupt  # the process is stopped right after the first file

    monkeypatch.setattr(result_module, "save_npz", failing_save_npz)
    with pytest.raises(KeyboardInterrupt):
        other.save(folder)
    assert written  # the new save had started writing
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["res"]
    monkeypatch.undo()
    back = js.SweepResult.load(folder)
    _assert_same(back, _result())
    np.testing.assert_array_equal(back.params["w"], params["w"])


def test_save_refuses_a_file_in_place_of_the_folder(tmp_path):
    (tmp_path / "res").write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="res"):
        _result().save(tmp_path / "res")
