"""The recipe end to end on a small MLP: planted bugs raise their red flags, a sound problem
raises none, the chosen rate and momentum lie in the band of an independent grid sweep scored
on the validation split, and the test split is evaluated once, for the chosen configuration."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape.tune.seven_steps.chosen import Chosen
from jaxscape.tune.seven_steps.context import RecipeContext
from jaxscape.tune.seven_steps.steps import (
    learning_rate,
    line_at_start,
    line_to_trained,
    other_optimizers,
    schedules,
)

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
#: Least band tolerance of the grid sweep: 2 points of validation accuracy.
TOLERANCE = 0.02


def _tolerance(best: float, n_val: int, seeds: int = 3) -> float:
    """2 points, or 2 binomial standard errors of the difference of two seed means of
    accuracy near ``best`` on ``n_val`` examples, if larger (216 validation digits: about
    0.03 near 0.92): closer than that the grid cannot tell a pair from its best one."""
    return max(TOLERANCE, 2 * np.sqrt(2 * best * (1 - best) / (n_val * seeds)))


def _run(prob):
    return js.tune.recipe(prob, budget=BUDGET, optimizers=(), progress=False, log=None)


@pytest.fixture(scope="module")
def clean(small_mlp_problem):
    return _run(small_mlp_problem)


def test_report_structure(clean):
    steps = [d.step.split(".")[0] for d in clean.decisions]
    assert steps == [*"1234567", "final (test split)"]
    assert set(clean.results) == {
        "initial_line",
        "lr_range",
        "momentum_range",
        "momentum_confirm",
        "schedules",
        "optimizers",
        "final_line",
    }
    s = clean.to_dict()
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
    assert clean.info["metric"] == "val_accuracy"


def test_choices_score_val_and_test_is_evaluated_once_for_the_chosen_config(clean, digits):
    # No tuning population recorded the test split: every curve is train_* or val_*.
    r = clean.results
    for res in (r["lr_range"], r["momentum_range"]):
        assert res.metric == "val_accuracy" and sorted(res.curves) == [
            "train_accuracy",
            "train_loss",
            "val_accuracy",
            "val_loss",
        ]
    for cmp in (r["momentum_confirm"], r["schedules"], r["optimizers"].comparison):
        assert all(not k.startswith("test_") for arm in cmp.curves.values() for k in arm)
    assert not any(k.startswith("test_") for k in r["final_line"].metrics)
    # final: the test split of the chosen configuration's trained weights, checked directly.
    s = clean.to_dict()
    final, chosen_on = s["final"], s["final_val"]
    assert final["split"] == "test" and chosen_on["split"] == "val"
    cmp = r["optimizers"].comparison
    prob = js.Problem.from_model(js.models.MLP(hidden=(16,)), digits)
    for j, seed in enumerate(final["seeds"]):
        params = jax.tree.map(lambda a, j=j: a[j], cmp.params["sgd"])
        _, state = prob.init(jax.random.key(seed))
        logits = prob.apply(params, state, digits.test.x)
        direct = float(np.mean(np.argmax(np.asarray(logits), -1) == np.asarray(digits.test.y)))
        assert final["per_seed"]["test_accuracy"][j] == pytest.approx(direct, abs=1e-6)
    assert final["mean_over_seeds"]["test_accuracy"] == pytest.approx(
        np.mean(final["per_seed"]["test_accuracy"])
    )
    # final_val: the validation numbers the choice was made on (the seeded runs' last record).
    assert chosen_on["mean_over_seeds"]["val_accuracy"] == pytest.approx(
        cmp.mean_final("sgd", "val_accuracy")
    )
    assert "test_accuracy 0." in str(clean) and "chosen on" in str(clean)


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
    """Seed-mean validation accuracy of an independent lr x momentum grid (same seeds, batch
    size and budget as the recipe), and the accuracy of any given pair measured the same way."""
    lrs = np.geomspace(0.01, 3.0, 11)
    mus = np.array([0.0, 0.5, 0.7, 0.8, 0.9, 0.95])
    table = js.grid(learning_rate=lrs, momentum=mus, seed=[0, 1, 2])
    res = js.sweep(
        prob, js.optim.sgd, table, steps=steps, batch_size=64, eval_every=22, progress=False
    )
    acc = np.nan_to_num(res.final("val_accuracy"), nan=0.0).reshape(11, 6, 3).mean(-1)
    return lrs, mus, acc


@pytest.mark.parametrize("budget", ["epochs", "train_epochs"])
def test_chosen_rate_and_momentum_lie_in_the_band_of_a_grid_sweep(clean, small_mlp_problem, budget):
    """Band: the (rate, momentum) pairs whose validation accuracy, averaged over the recipe's 3
    seeds, is within the tolerance of the best pair of the grid, for the recipe's short budget
    (range tests) and for its long budget (the final runs)."""
    prob = small_mlp_problem
    steps = int(getattr(BUDGET, budget)) * prob.steps_per_epoch(64)
    lr, mu = clean.hyperparameters["learning_rate"], clean.hyperparameters["momentum"]
    lrs, mus, acc = _grid_band(prob, steps)
    best = acc.max()
    tol = _tolerance(best, prob.data.n_val)
    mine = js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": lr, "momentum": mu, "seed": [0, 1, 2]},
        steps=steps,
        batch_size=64,
        eval_every=22,
        progress=False,
    )
    assert np.nan_to_num(mine.final("val_accuracy"), nan=0.0).mean() >= best - tol
    # and, at the grid momentum nearest the chosen one, the chosen rate lies inside the band
    j = int(np.argmin(np.abs(mus - mu)))
    good = lrs[acc[:, j] >= best - tol]
    assert good.size and good.min() <= lr <= good.max()


def test_fallbacks_are_decisions_with_their_reason_and_red_flags():
    # 0.5 |w|^2, NaN once w[0, 0] < 0.9995: brief Adam (steps of ~1e-3) leaves the domain at
    # once, and so does every rate of the range test within its 10 steps.
    def loss(w):
        return 0.5 * jnp.sum(w**2) + 0.0 * jnp.sqrt(w[0, 0] - 0.9995)

    prob = js.Problem.from_loss(loss, jnp.ones((3, 2)))
    budget = js.tune.Budget.quick(
        epochs=10,
        train_epochs=10,
        num_rates=5,
        num_momenta=3,
        line_points=5,
        final_points=5,
        direction_steps=5,
    )
    report = js.tune.recipe(prob, budget=budget, optimizers=(), progress=False, log=None)
    first = report.decisions[0]
    assert first.step.startswith("1.") and "(fallback)" in first.choice
    assert "diverged at step 0 of 5" in first.why  # the update of step 0 left the domain
    assert report.results["initial_line"].metadata["kind"] == "line"  # the random direction
    flags = {f.code: f for f in report.red_flags}
    assert flags["direction_fallback"].step.startswith("1.")
    assert flags["search_failed"].step.startswith("2.")
    assert "fell back to 0.0001" in flags["search_failed"].message
    assert report.hyperparameters["learning_rate"] == pytest.approx(1e-4)


# ------------------------------------------------------------------ each step run alone


def test_the_rate_step_alone_chooses_in_the_band_of_a_direct_grid(small_mlp_problem):
    """Step 2 given a context and nothing chosen yet: a rate inside the band of the same rates
    trained by a direct sweep (same budget, batch size and seed), scored on validation."""
    ctx = RecipeContext.build(small_mlp_problem, budget=BUDGET, progress=False)
    out = learning_rate.run(ctx, Chosen(), {})
    lr = out.chosen.learning_rate
    assert out.chosen == Chosen(learning_rate=lr) and set(out.results) == {"lr_range"}
    assert out.decisions[0].choice == f"learning_rate = {lr:.4g}" and out.flags == ()
    rates = np.geomspace(BUDGET.min_lr, BUDGET.max_lr, BUDGET.num_rates)
    grid = js.sweep(
        small_mlp_problem,
        js.optim.sgd,
        {"learning_rate": rates},
        steps=ctx.range_steps,
        batch_size=BUDGET.batch_size,
        seed=0,
        progress=False,
    )
    acc = np.nan_to_num(grid.final("val_accuracy"), nan=0.0)
    good = rates[acc >= acc.max() - TOLERANCE - 1.0 / small_mlp_problem.data.n_val]
    assert good.min() <= lr <= good.max()


def test_each_step_runs_alone_from_a_chosen_and_earlier_results():
    """On 0.5 |w|^2 from w = 1 (six weights): each step is called by hand with what it needs,
    and its numbers are checked against closed forms."""
    prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w**2), jnp.ones((3, 2)))
    budget = js.tune.Budget.quick(
        epochs=10, train_epochs=10, num_rates=5, num_momenta=3, line_points=5, final_points=5
    )
    ctx = RecipeContext.build(prob, budget=budget, optimizers=(), plateau=2, progress=False)
    one = line_at_start.run(ctx, Chosen(), {})
    assert one.chosen == Chosen() and one.decisions[-1].choice == "(intuition, no choice)"
    line = one.results["initial_line"]
    assert line.value_at(0.0, "train_loss") == pytest.approx(3.0)  # 0.5 * 6 at alpha 0
    given = Chosen(learning_rate=0.5, momentum=0.0)
    sched = schedules.run(ctx, given, {})  # M given: no plateau to read from step 3
    assert sched.chosen.plateau_epoch == 2 and sched.chosen.learning_rate == 0.5
    assert sched.chosen.alpha == pytest.approx((2 / 3) ** 0.5)
    assert not (sched.chosen.use_decay and sched.chosen.use_cyclical)
    six = other_optimizers.run(ctx, sched.chosen, sched.results)
    assert six.chosen.best_optimizer == "sgd"
    assert six.chosen.best_hyperparameters == {
        "learning_rate": 0.5,
        "momentum": 0.0,
        "schedule": sched.chosen.schedule,
    }
    seven = line_to_trained.run(ctx, six.chosen, six.results)
    trained = jax.tree.map(lambda a: a[0], six.results["optimizers"].comparison.params["sgd"])
    end = seven.results["final_line"].value_at(1.0, "train_loss")
    assert end == pytest.approx(0.5 * float(jnp.sum(trained**2)), rel=1e-5)


def test_chosen_is_the_reports_hyperparameters(clean):
    hp = clean.hyperparameters
    chosen = Chosen(
        learning_rate=hp["learning_rate"],
        momentum=hp["momentum"],
        plateau_epoch=hp["plateau_epoch"],
        use_decay=hp["use_decay"],
        use_cyclical=hp["use_cyclical"],
        best_optimizer="sgd",
        best_hyperparameters={k: v for k, v in hp["best_optimizer"].items() if k != "name"},
    )
    assert {**chosen.to_dict(), "final": hp["final"], "final_val": hp["final_val"]} == hp
    assert chosen.alpha == pytest.approx((2 / 3) ** (1 / hp["plateau_epoch"]))
