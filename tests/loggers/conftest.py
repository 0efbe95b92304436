"""A small real sweep for the loggers, and the event-file readers the tests share."""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js


@pytest.fixture(scope="session")
def result() -> js.SweepResult:
    """8 trials of SGD on a quadratic (learning rate x momentum), 40 steps recorded every 10;
    the learning rate 2.5 without momentum diverges."""
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(3))
    table = js.grid(learning_rate=[0.03, 0.3, 1.5, 2.5], momentum=[0.0, 0.5])
    res = js.sweep(prob, js.optim.sgd, table, steps=40, eval_every=10, progress=False)
    assert res.diverged.any() and not res.diverged.all()
    return res


def _chunked(result: js.SweepResult, size: int):
    """The events of ``result`` as a chunked engine hands them out: the first ``size`` trials
    through every record, then the next ``size``, each event holding its chunk's rows."""
    from jaxscape.population.record import events_from_result

    events = list(events_from_result(result))
    for start in range(0, result.n_trials, size):
        rows = slice(start, start + size)
        for e in events:
            yield dataclasses.replace(
                e,
                trials=e.trials[rows],
                metrics={k: v[rows] for k, v in e.metrics.items()},
                hyperparams={k: v[rows] for k, v in e.hyperparams.items()},
                diverged=e.diverged[rows],
            )


def _assert_curve(steps, values, res: js.SweepResult, name: str, trial: int) -> None:
    """A curve read back equals the trial's row of ``res.metrics[name]`` (float32, NaN too)."""
    np.testing.assert_array_equal(np.asarray(steps), res.steps)
    np.testing.assert_allclose(
        np.asarray(values, dtype=np.float64), res.metrics[name][trial], rtol=1e-6, equal_nan=True
    )


@pytest.fixture
def assert_curve():
    """``assert_curve(steps, values, result, name, trial)``: a curve read back equals the
    trial's row of ``result.metrics[name]`` at ``result.steps`` (float32, NaN included)."""
    return _assert_curve


@pytest.fixture
def chunked():
    """``chunked(result, size)``: the result's events as a chunked engine hands them out."""
    return _chunked
