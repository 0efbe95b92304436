"""A small real sweep for the loggers, and the event-file readers the tests share."""

from __future__ import annotations

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
