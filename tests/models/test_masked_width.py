"""Width as a masked column: each trial of a width population equals the narrow network of its
width trained alone, and evaluation uses the trial's width."""

from __future__ import annotations

import jax
import numpy as np
import pytest

import jaxscape as js
from jaxscape.models import table_factory

HIDDEN, WIDTHS, STEPS = (16, 8), (0.25, 0.5, 1.0), 12


def _sweep(prob, table):
    return js.sweep(
        prob, table_factory(prob, js.optim.sgd), table, steps=STEPS, batch_size=32, seed=2,
        eval_every=4, keep_params=True, progress=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def population(digits):
    prob = js.Problem.from_masked_width(js.models.WidthMLP(HIDDEN, max_width=1.0), digits)
    return _sweep(prob, {"learning_rate": 0.5, "width": list(WIDTHS)})


def test_a_masked_trial_equals_the_narrow_network_alone(digits, population):
    for i, w in enumerate(WIDTHS):
        narrow = js.Problem.from_masked_width(js.models.WidthMLP(HIDDEN, max_width=w), digits)
        alone = _sweep(narrow, {"learning_rate": 0.5, "width": w})
        for name in ("train_loss", "val_loss", "val_accuracy", "test_loss"):
            np.testing.assert_allclose(
                population.metrics[name][i], alone.metrics[name][0], rtol=2e-5, atol=1e-6,
                err_msg=f"{name}, width {w}",
            )  # fmt: skip
        for got, ref in zip(population.params, alone.params, strict=True):
            rows, cols = ref["w"].shape[1:]
            np.testing.assert_allclose(got["w"][i, :rows, :cols], ref["w"][0], rtol=2e-5,
                                       atol=1e-6)  # fmt: skip
    assert len({round(float(v), 4) for v in population.metrics["val_loss"][:, -1]}) == 3


def test_masked_units_never_move(digits, population):
    prob = js.Problem.from_masked_width(js.models.WidthMLP(HIDDEN, max_width=1.0), digits)
    start, _ = prob.init(jax.random.key(2))
    first = population.params[0]["w"][0]  # width 0.25: 4 of the 16 first-layer units
    np.testing.assert_array_equal(first[:, 4:], start[0]["w"][:, 4:])
    assert not np.allclose(first[:, :4], start[0]["w"][:, :4])
