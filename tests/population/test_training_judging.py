"""``Training`` and ``Judging``: the two option objects every procedure takes, and the one
metric rule (validation, never test; a tie on accuracy falls to the loss)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from jaxscape import Judging, Training

# ---------------------------------------------------------------------------- Training


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({}, ValueError, "steps and epochs"),
        ({"steps": 10, "epochs": 1.0}, ValueError, "steps and epochs"),
        ({"steps": 0}, ValueError, "steps"),
        ({"steps": 2.5}, TypeError, "steps"),
        ({"epochs": 0.0}, ValueError, "epochs"),
        ({"epochs": "5"}, TypeError, "epochs"),
        ({"steps": 5, "batch_size": 0}, ValueError, "batch_size"),
        ({"steps": 5, "seeds": 3}, TypeError, "seeds"),
        ({"steps": 5, "seeds": (1, 1)}, ValueError, "seeds"),
        ({"steps": 5, "seeds": (-1,)}, ValueError, "seeds"),
        ({"steps": 5, "seeds": ()}, TypeError, "seeds"),
        ({"steps": 5, "eval_every": 0}, ValueError, "eval_every"),
        ({"steps": 5, "record_initial": 1}, TypeError, "record_initial"),
        ({"steps": 5, "progress": "yes"}, TypeError, "progress"),
        ({"steps": 5, "checkpoint": 3}, TypeError, "checkpoint"),
        ({"steps": 5, "checkpoint_every": -1.0}, ValueError, "checkpoint_every"),
        ({"steps": 5, "callback": 3}, TypeError, "callback"),
    ],
)
def test_training_refuses_bad_values_naming_the_field(kwargs, error, field):
    with pytest.raises(error, match=field):
        Training(**kwargs)


def test_training_epochs_become_steps_and_sweep_kwargs():
    t = Training(epochs=2.0, batch_size=100, seeds=(4, 5))
    assert t.steps_for(1050) == 20  # 10 steps per epoch, remainder dropped
    assert t.steps_for(None) == 2  # a problem without data: one step per epoch
    assert Training(epochs=0.01, batch_size=None).steps_for(1000) == 1
    kw = t.sweep_kwargs(1050)
    assert kw == {
        "steps": 20,
        "batch_size": 100,
        "seed": 4,
        "eval_every": None,
        "record_initial": False,
        "checkpoint": None,
        "checkpoint_every": 30.0,
        "progress": True,
        "callback": None,
    }
    with pytest.raises(ValueError, match="n_train"):
        t.sweep_kwargs()
    assert t.replace(steps=7).steps == 7 and t.replace(steps=7).epochs is None
    assert t.with_seeds(3).seeds == (4, 5, 6)
    with pytest.raises(Exception, match=r"frozen|cannot assign"):
        t.steps = 3  # type: ignore[misc]


def test_training_sweep_kwargs_drive_a_sweep():
    import jax.numpy as jnp

    import jaxscape as js

    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(3))
    t = Training(steps=6, eval_every=2, record_initial=True, progress=False)
    res = js.sweep(prob, js.optim.sgd, {"learning_rate": [0.1, 0.5]}, **t.sweep_kwargs())
    assert res.steps.tolist() == [0, 2, 4, 6]


# ---------------------------------------------------------------------------- the metric rule


def test_judging_refuses_a_test_metric():
    with pytest.raises(ValueError, match="validation, never test"):
        Judging(metric="test_accuracy")
    with pytest.raises(ValueError, match="validation, never test"):
        Judging(metric="test_loss").choose_metric(["test_loss", "train_loss"])


def test_choose_metric_falls_back_to_train_never_test():
    j = Judging()
    assert j.choose_metric(["train_loss", "test_loss", "test_accuracy"]) == "train_loss"
    assert j.choose_metric(["train_accuracy", "train_loss", "test_accuracy"]) == "train_accuracy"
    assert j.choose_metric(["test_accuracy", "val_loss", "val_accuracy"]) == "val_accuracy"
    assert j.choose_metric(["test_loss", "val_loss"]) == "val_loss"
    assert j.choose_metric(["train_mse", "val_mse", "test_mse"]) == "val_mse"
    with pytest.raises(ValueError, match="never test"):
        j.choose_metric(["test_loss"])
    with pytest.raises(ValueError, match="must be one of"):
        Judging(metric="val_accuracy").choose_metric(["train_loss"])


def test_the_rule_is_the_one_the_procedures_use():
    """tune's metric check is the rule of Judging (no copy): no validation split means train."""
    from jaxscape.tune._common import check_metric, default_metric

    class Data:
        n_val = 0
        test = object()
        n_test = 10

    prob = SimpleNamespace(data=Data(), metric_names=("loss", "accuracy"))
    assert default_metric(prob) == "train_accuracy"
    with pytest.raises(ValueError, match="never test"):
        check_metric(prob, "test_accuracy")


def test_an_accuracy_tie_falls_to_the_loss():
    """Three trials tie on validation accuracy (steps of 1/216): the lowest loss wins, not the
    first index."""
    acc = np.array([0.9861, 0.9861, 0.9861, 0.97, np.nan])
    loss = np.array([0.09, 0.05, 0.07, 0.01, np.nan])
    finals = {"val_accuracy": acc, "val_loss": loss, "train_loss": np.zeros(5)}
    j = Judging()
    assert j.best_index(finals) == 1
    assert j.rank(finals).tolist() == [1, 2, 0, 3, 4]
    # a result: diverged trials never rank first, whatever their value
    res = SimpleNamespace(
        metrics={k: np.stack([v, v], 1) for k, v in finals.items()},
        diverged=np.array([False, True, False, False, False]),
    )
    assert j.best_index(res) == 2
    # a loss metric has no tie breaker: ties go to the lower index
    assert Judging(metric="val_loss").best_index({"val_loss": [0.2, 0.1, 0.1]}) == 1
    with pytest.raises(ValueError, match="every trial"):
        j.best_index({"val_accuracy": [np.nan]})


# ---------------------------------------------------------------------------- verdicts


def test_failed_is_apart_from_diverged():
    """At chance (10 classes) or no better than the start: failed; flagged: diverged."""
    acc = np.array([[0.1, 0.95], [0.1, 0.12], [0.1, np.nan], [0.1, 0.5]])
    loss = np.array([[2.3, 0.2], [2.3, 2.25], [2.3, np.nan], [2.3, 2.4]])
    res = SimpleNamespace(
        metrics={"val_accuracy": acc, "val_loss": loss, "train_loss": loss},
        diverged=np.array([False, False, True, False]),
        info={"num_classes": 10},
    )
    j = Judging()
    assert j.verdicts(res).tolist() == ["ok", "failed", "diverged", "failed"]
    assert j.failed(res).tolist() == [False, True, False, True]
    # without the number of classes only the loss test applies
    res2 = SimpleNamespace(metrics=res.metrics, diverged=res.diverged, info={})
    assert j.verdicts(res2).tolist() == ["ok", "ok", "diverged", "failed"]
    assert Judging(chance_margin=0.0).verdicts(res, num_classes=10).tolist()[1] == "ok"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"diverge_factor": 0.0}, "diverge_factor"),
        ({"k": -1.0}, "k"),
        ({"min_effect": -0.1}, "min_effect"),
        ({"tolerance": -0.1}, "tolerance"),
        ({"chance_margin": 2.0}, "chance_margin"),
        ({"metric": 3}, "metric"),
        ({"k": "2"}, "k"),
    ],
)
def test_judging_refuses_bad_values_naming_the_field(kwargs, field):
    with pytest.raises((ValueError, TypeError), match=field):
        Judging(**kwargs)


def test_band_tolerance_defaults():
    j = Judging()
    assert j.band_tolerance("val_accuracy", 0.9) == 0.02
    assert j.band_tolerance("val_loss", 2.0) == pytest.approx(0.1)
    assert Judging(tolerance=0.5).band_tolerance("val_loss", 2.0) == 0.5


def test_a_sweep_at_chance_is_failed_not_diverged():
    """Digits, SGD with momentum 0.9: a rate of 3 sits at chance (validation accuracy about
    0.10) without its loss exploding, so the engine does not flag it; the judging calls it
    failed, apart from the rate that explodes (diverged) and the one that learns (ok)."""
    import jaxscape as js

    prob = js.Problem.from_model(js.models.MLP(hidden=(16,)), js.data.digits())
    table = {"learning_rate": [0.3, 3.0, 1e3], "momentum": 0.9}
    res = js.sweep(prob, js.optim.sgd, table, steps=100, batch_size=64, progress=False)
    assert res.diverged.tolist() == [False, False, True]  # the engine sees the explosion only
    assert Judging().verdicts(res, num_classes=10).tolist() == ["ok", "failed", "diverged"]
    assert Judging().best_index(res) == 0
