"""``population_scaling``: rows per population size, memory accounting, skips, bad input."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape.bench import PopulationScaling, population_scaling
from jaxscape.bench.population_scaling import population_sizes

FAST = {"steps": 4, "repeats": 1, "progress": False}


def _quadratic():
    return js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p["w"] ** 2), {"w": jnp.ones(50)})


def test_sizes_double_up_to_the_maximum():
    assert population_sizes(1) == [1]
    assert population_sizes(64) == [1, 2, 4, 8, 16, 32, 64]
    assert population_sizes(48) == [1, 2, 4, 8, 16, 32, 48]


def test_rows_per_population_size_with_the_loop(small_mlp_problem, tmp_path):
    res = population_scaling(small_mlp_problem, js.optim.sgd, {"learning_rate": [0.1, 0.01]},
                             max_trials=2, batch_size=16, **FAST)  # fmt: skip
    assert [r.trials for r in res.rows] == [1, 2]
    # MLP 64-16-10: 64*16 + 16 + 16*10 + 10 = 1210 float32 parameters, and sgd's momentum
    # buffer of the same size and its int32 step counter
    assert {r.state_bytes_per_trial for r in res.rows} == {1210 * 4 * 2 + 4}
    for r in res.rows:
        assert r.run_s > 0 and r.compile_s > 0 and r.loop_run_s > 0 and r.loop_compile_s > 0
        assert r.trial_steps_per_s == pytest.approx(r.trials * 4 / r.run_s)
        assert r.speedup == pytest.approx(r.loop_run_s / r.run_s)
        # one step's working set holds at least the state, the gradients and the new state
        assert r.memory_per_trial >= r.state_bytes_per_trial
    assert res.settings["problem"] == small_mlp_problem.name
    res.save(tmp_path)
    assert PopulationScaling.load(tmp_path) == res
    res.plot(tmp_path / "population.png")
    assert (tmp_path / "population.png").stat().st_size > 0
    assert list(res.to_dataframe()["trials"]) == [1, 2]


def test_a_population_over_the_memory_budget_is_skipped_with_its_note():
    # a user's problem without data; 50 float32 weights + Adam's m, v + an int32 count: 604
    # bytes per trial, three copies per trial in the budget: N = 4 does not fit
    res = population_scaling(_quadratic(), js.optim.adam, {"learning_rate": np.array([0.1] * 4)},
                             max_trials=4, memory_budget=3 * 604 * 2, **FAST)  # fmt: skip
    timed = [r for r in res.rows if r.run_s is not None]
    skipped = [r for r in res.rows if r.run_s is None]
    assert [r.trials for r in timed] == [1, 2]
    assert all(r.loop_trial_steps_per_s > 0 for r in timed)
    assert [r.trials for r in skipped] == [4] and "skipped" in skipped[0].note
    assert skipped[0].state_bytes_per_trial == 604
    assert res.notes and "N=4" in res.notes[0]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"hyperparams": {"learning_rate": [0.1, 0.2, 0.3]}}, ValueError, "max_trials"),
        ({"hyperparams": {"learning_rat": 0.1}}, ValueError, "learning_rat"),
        ({"hyperparams": {"learning_rate": -1.0}}, ValueError, "learning_rate"),
        ({"hyperparams": {"seed": [0, 1]}}, ValueError, "seed"),
        ({"max_trials": 0}, ValueError, "max_trials"),
        ({"steps": 2.5}, TypeError, "steps"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, error, match):
    args = {"max_trials": 2, **FAST, **kwargs}
    with pytest.raises(error, match=match):
        population_scaling(_quadratic(), **args)


def test_the_loop_baseline_trains_the_same_trials_as_the_engine(small_mlp_problem):
    """The loop is a fair baseline: its runs follow js.sweep's trials step for step."""
    from jaxscape.bench._single_run import make_single_run
    from jaxscape.data import batch_indices

    lrs = [0.3, 0.05]
    res = js.sweep(small_mlp_problem, js.optim.sgd, {"learning_rate": lrs, "momentum": 0.9},
                   steps=6, batch_size=16, eval_every=1, progress=False)  # fmt: skip
    data = small_mlp_problem.data
    idx = jnp.asarray(batch_indices(0, data.n_train, 16, 0, 6))
    run = make_single_run(small_mlp_problem, js.optim.sgd, {}, seed=0, full=False)
    for i, lr in enumerate(lrs):
        hp = {"learning_rate": jnp.float32(lr), "momentum": jnp.float32(0.9)}
        _, losses = run(hp, idx, data.train.x, data.train.y)
        np.testing.assert_allclose(losses, res.metrics["train_loss"][i], rtol=2e-5)
