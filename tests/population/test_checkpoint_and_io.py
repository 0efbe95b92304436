"""Checkpoint/resume and saved results."""

from __future__ import annotations

import jax
import numpy as np
import pytest

import jaxscape as js


class Interrupt(Exception):
    pass


def _run(prob, **kw):
    return js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": [0.02, 0.1, 0.4], "momentum": 0.9},
        steps=40,
        eval_every=5,
        batch_size=32,
        chunk_size=2,
        progress=False,
        **kw,
    )


def test_interrupted_sweep_resumes_to_the_same_numbers(small_mlp_problem, tmp_path):
    reference = _run(small_mlp_problem, keep_params=True)
    path = tmp_path / "sweep.ckpt.npz"
    seen = []

    def stop_after_three_calls(info):
        seen.append(info)
        if len(seen) == 3:  # mid-way through the first chunk
            raise Interrupt

    with pytest.raises(Interrupt):
        _run(
            small_mlp_problem,
            keep_params=True,
            checkpoint=path,
            checkpoint_every=0,
            callback=stop_after_three_calls,
        )
    assert path.exists()
    resumed_calls = []
    resumed = _run(
        small_mlp_problem,
        keep_params=True,
        checkpoint=path,
        checkpoint_every=0,
        callback=resumed_calls.append,
    )
    # It resumed: the first chunk's first calls were not redone.
    assert resumed_calls[0]["step"] > 5
    for name in reference.metrics:
        np.testing.assert_array_equal(resumed.metrics[name], reference.metrics[name])
    for a, b in zip(
        jax.tree.leaves(resumed.params), jax.tree.leaves(reference.params), strict=True
    ):
        np.testing.assert_array_equal(a, b)


def test_checkpoint_of_another_sweep_is_refused(small_mlp_problem, tmp_path):
    path = tmp_path / "ckpt.npz"
    _run(small_mlp_problem, checkpoint=path)
    with pytest.raises(ValueError, match="different sweep"):
        js.sweep(
            small_mlp_problem,
            js.optim.sgd,
            {"learning_rate": [0.5]},
            steps=40,
            eval_every=5,
            batch_size=32,
            progress=False,
            checkpoint=path,
        )


def test_saved_results_reload_equal(small_mlp_problem, tmp_path):
    res = js.sweep(
        small_mlp_problem,
        js.optim.sgd,
        {"learning_rate": [0.05, 1e9], "momentum": 0.5},
        steps=20,
        eval_every=5,
        batch_size=32,
        progress=False,
        keep_params=True,
        trajectory=[0],
    )
    folder = res.save(tmp_path / "out")
    assert {p.name for p in folder.iterdir()} >= {
        "sweep.json",
        "metrics.npz",
        "trials.csv",
        "params.npz",
        "trajectory.npz",
    }
    back = js.SweepResult.load(folder)
    np.testing.assert_array_equal(back.steps, res.steps)
    np.testing.assert_array_equal(back.diverged, res.diverged)
    np.testing.assert_array_equal(back.diverged_at, res.diverged_at)
    for k in res.hyperparams:
        np.testing.assert_array_equal(back.hyperparams[k], res.hyperparams[k])
        assert back.hyperparams[k].dtype == res.hyperparams[k].dtype
    for k in res.metrics:
        np.testing.assert_array_equal(back.metrics[k], res.metrics[k])
    for a, b in zip(jax.tree.leaves(back.params), jax.tree.leaves(res.params), strict=True):
        np.testing.assert_array_equal(a, b)
    assert back.info == res.info
    df = back.to_dataframe()
    assert list(df.index) == [0, 1] and bool(df.loc[1, "diverged"])
    assert "1 diverged" in back.summary()
    assert back.best_index() == 0


def _valid_checkpoint(path) -> bytes:
    from jaxscape.population.checkpoint import save_checkpoint

    save_checkpoint(path, {"done": 0}, {"metric/x": np.arange(1000.0)})
    return path.read_bytes()


def test_truncated_checkpoint_is_a_clear_error_naming_the_file(tmp_path):
    from jaxscape.population.checkpoint import load_checkpoint

    path = tmp_path / "ckpt.npz"
    data = _valid_checkpoint(path)
    assert load_checkpoint(path)[0] == {"done": 0}
    for cut in (len(data) // 2, len(data) - 30, 10):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="truncated or corrupt") as err:
            load_checkpoint(path)
        assert str(path) in str(err.value)


def test_garbage_checkpoint_is_refused_by_the_sweep_naming_the_file(small_mlp_problem, tmp_path):
    path = tmp_path / "ckpt.npz"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(ValueError, match="truncated or corrupt") as err:
        _run(small_mlp_problem, checkpoint=path)
    assert str(path) in str(err.value)
    # A zip whose member is damaged (bad CRC / deflate data) is reported the same way.
    data = bytearray(_valid_checkpoint(path))
    data[len(data) // 2 : len(data) // 2 + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="truncated or corrupt") as err:
        _run(small_mlp_problem, checkpoint=path)
    assert str(path) in str(err.value)
