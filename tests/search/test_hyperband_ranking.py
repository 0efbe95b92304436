"""Hyperband ranks a rung by the metrics where the rung ends (checked by hand on a quadratic)."""

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape import search
from jaxscape.search import Space

pytest.importorskip("optuna")


def test_one_step_rung_keeps_the_largest_stable_rates():
    # f(p) = 1/2 |p|^2 from ones(3): one SGD step gives f = 3/2 (1 - lr)^2, smallest for the
    # largest rate below 1; the window mean of the step's loss is 3/2 for every rate (a tie).
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(3))
    space = Space({"learning_rate": search.log_uniform(1e-3, 1.0)})
    res = search.hyperband(prob, space, 9, eta=3, min_steps=1, brackets=[0])
    rung0 = np.flatnonzero(res.rung == 0)
    rates = np.asarray([res.configs[j]["learning_rate"] for j in rung0])
    np.testing.assert_allclose(res.metrics["train_loss"][rung0], 1.5 * (1 - rates) ** 2, rtol=1e-5)
    survivors = sorted(res.configs[j]["learning_rate"] for j in np.flatnonzero(res.rung == 1))
    assert survivors == sorted(rates)[-3:]
    # a survivor's train record at rung 1 (3 steps in all) is f(p_3) = 3/2 (1 - lr)^6
    rung1 = np.flatnonzero(res.rung == 1)
    lr1 = np.asarray([res.configs[j]["learning_rate"] for j in rung1])
    np.testing.assert_allclose(res.metrics["train_loss"][rung1], 1.5 * (1 - lr1) ** 6, rtol=1e-4)


def test_search_never_chooses_on_the_test_split():
    data = js.data.digits(val_fraction=0)
    prob = js.Problem.from_model(js.models.LogisticRegression(), data)
    space = Space({"learning_rate": search.log_uniform(1e-2, 1.0)})
    with pytest.raises(ValueError, match="never test"):
        search.random_search(prob, space, 2, budget=2, judging=js.Judging(metric="test_accuracy"))
    res = search.random_search(prob, space, 2, budget=2)
    assert res.metric == "train_accuracy"
    assert not any(k.startswith("test_") for k in res.metrics)
