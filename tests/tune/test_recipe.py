"""The recipe end to end on a small MLP: planted bugs raise their red flags, a sound problem
raises none, and the chosen rate and momentum lie in the band of an independent grid sweep."""

from __future__ import annotations

import dataclasses

import jax
import numpy as np
import pytest

import jaxscape as js

BUDGET = js.tune.Budget(
    epochs=3,
    train_epochs=8,
    seeds=3,
    num_rates=13,
    num_momenta=6,
    ramp_steps=0,
    direction_steps=20,
    line_points=11,
    final_points=11,
)
#: Band tolerance of the grid sweep: 2 points of held-out accuracy (about 1.3 binomial SE of a
#: single 360-example evaluation; the seed mean is less noisy).
TOLERANCE = 0.02


def _run(prob):
    return js.tune.recipe(prob, budget=BUDGET, optimizers=(), progress=False, log=None)


@pytest.fixture(scope="module")
def clean(small_mlp_problem):
    return _run(small_mlp_problem)


def test_report_structure(clean):
    assert [d.step.split(".")[0] for d in clean.decisions] == list("1234567")
    assert set(clean.results) == {
        "initial_line",
        "lr_range",
        "momentum_range",
        "momentum_confirm",
        "schedules",
        "optimizers",
        "final_line",
    }
    s = clean.summary()
    for key in (
        "learning_rate",
        "momentum",
        "use_decay",
        "use_cyclical",
        "best_optimizer",
        "red_flags",
    ):
        assert key in s
    assert s["best_optimizer"]["name"] == "sgd"
    assert s["learning_rate"] == clean.results["lr_range"].suggestion
    assert clean.info["seeds"] == [0, 1, 2]


def test_a_sound_problem_raises_no_red_flag(clean):
    assert [f.code for f in clean.red_flags] == []


def test_a_negated_gradient_raises_loss_rises(small_mlp_problem):
    # The reported loss is the true loss, the gradient is its negative: gradient ascent.
    objective = small_mlp_problem.objective

    def ascent(params, state, batch):
        loss, aux = objective(params, state, batch)
        return -loss + 2 * jax.lax.stop_gradient(loss), aux

    report = _run(dataclasses.replace(small_mlp_problem, objective=ascent, name="sign bug"))
    codes = [f.code for f in report.red_flags]
    assert "loss_rises" in codes and "no_progress" in codes
    flag = next(f for f in report.red_flags if f.code == "loss_rises")
    assert "sign" in flag.check and flag.step.startswith("2.")


def test_shuffled_labels_raise_chance_accuracy(digits):
    y = np.random.default_rng(0).permutation(np.asarray(digits.train.y))
    data = js.data.from_arrays(
        np.asarray(digits.train.x),
        y,
        x_test=np.asarray(digits.test.x),
        y_test=np.asarray(digits.test.y),
        name="digits, shuffled labels",
    )
    report = _run(js.Problem.from_model(js.models.MLP(hidden=(16,)), data))
    codes = [f.code for f in report.red_flags]
    assert "chance_accuracy" in codes
    assert "loss_rises" not in codes  # the gradient is right: small steps lower the loss


def _grid_band(prob, steps):
    """Seed-mean held-out accuracy of an independent lr x momentum grid (same seeds, batch
    size and budget as the recipe), and the accuracy of any given pair measured the same way."""
    lrs = np.geomspace(0.01, 3.0, 11)
    mus = np.array([0.0, 0.5, 0.7, 0.8, 0.9, 0.95])
    table = js.grid(learning_rate=lrs, momentum=mus, seed=[0, 1, 2])
    res = js.sweep(
        prob, js.optim.sgd, table, steps=steps, batch_size=64, eval_every=22, progress=False
    )
    acc = np.nan_to_num(res.final("test_accuracy"), nan=0.0).reshape(11, 6, 3).mean(-1)
    return lrs, mus, acc


@pytest.mark.parametrize("budget", ["epochs", "train_epochs"])
def test_chosen_rate_and_momentum_lie_in_the_band_of_a_grid_sweep(clean, small_mlp_problem, budget):
    """Band: the (rate, momentum) pairs whose held-out accuracy, averaged over the recipe's 3
    seeds, is within TOLERANCE of the best pair of the grid, for the recipe's short budget
    (range tests) and for its long budget (the final runs)."""
    prob = small_mlp_problem
    steps = int(getattr(BUDGET, budget)) * prob.steps_per_epoch(64)
    lr, mu = clean.hyperparameters["learning_rate"], clean.hyperparameters["momentum"]
    lrs, mus, acc = _grid_band(prob, steps)
    best = acc.max()
    mine = js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": lr, "momentum": mu, "seed": [0, 1, 2]},
        steps=steps,
        batch_size=64,
        eval_every=22,
        progress=False,
    )
    assert np.nan_to_num(mine.final("test_accuracy"), nan=0.0).mean() >= best - TOLERANCE
    # and, at the grid momentum nearest the chosen one, the chosen rate lies inside the band
    j = int(np.argmin(np.abs(mus - mu)))
    good = lrs[acc[:, j] >= best - TOLERANCE]
    assert good.size and good.min() <= lr <= good.max()
