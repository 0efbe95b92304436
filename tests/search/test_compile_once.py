"""A search compiles once per structure, whatever its number of batches or rungs (counted with
``jax.monitoring``'s backend compile events, never timed)."""

from __future__ import annotations

import jaxscape as js
from jaxscape.population.programs import compile_count
from jaxscape.search import Space, choice, hyperband, log_uniform, random_search, uniform


def _problem(digits):
    return js.Problem.from_model(js.models.MLP(hidden=(8,)), digits)


SPACE = Space({"learning_rate": log_uniform(1e-3, 1.0), "momentum": uniform(0.0, 0.95)})
TWO = Space(
    {
        "optimizer": choice({"sgd": {"momentum": uniform(0.0, 0.9)}, "adam": {}}),
        "learning_rate": log_uniform(1e-3, 0.3),
    }
)


def _count(fn):
    before = compile_count()
    out = fn()
    return out, compile_count() - before


def _search(prob, space, budget, batch):
    training = js.Training(steps=8, batch_size=32, progress=False)
    return random_search(prob, space, training, budget=budget, batch=batch)


def test_more_batches_of_one_structure_compile_nothing_more(digits):
    _search(_problem(digits), SPACE, 4, 4)  # what any first search compiles (eager helpers)
    _, one = _count(lambda: _search(_problem(digits), SPACE, 4, 4))
    res, four = _count(lambda: _search(_problem(digits), SPACE, 16, 4))
    assert res.n_trials == 16
    assert one > 0 and four == one  # batches 2-4 reuse batch 1's programs


def test_two_structures_compile_once_each_whatever_the_batches(digits):
    _search(_problem(digits), TWO, 8, 8)
    _, first = _count(lambda: _search(_problem(digits), TWO, 8, 8))  # both structures drawn
    res, many = _count(lambda: _search(_problem(digits), TWO, 32, 8))
    assert set(res.metrics) and res.n_trials == 32
    assert many == first  # every group of every batch is sized as a batch's share


def test_a_hyperband_iteration_compiles_each_rung_shape_once(digits):
    training = js.Training(steps=9, batch_size=32, progress=False)

    def run(prob):
        return hyperband(prob, SPACE, training, eta=3, brackets=[0])

    run(_problem(digits))
    _, once = _count(lambda: run(_problem(digits)))
    _, again = _count(lambda: run(_problem(digits)))
    assert again == once
    prob = _problem(digits)
    run(prob)
    _, same_problem = _count(lambda: run(prob))
    assert same_problem == 0
