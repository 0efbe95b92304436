"""Hyperband: rung sizes, survivors are the top floor(n / eta), continued runs equal fresh ones."""

import numpy as np
import pytest

import jaxscape as js
from jaxscape import search
from jaxscape.search import Space

pytest.importorskip("optuna")

SPACE = Space(
    {"learning_rate": search.log_uniform(1e-2, 1.0), "momentum": search.uniform(0.0, 0.9)}
)


def test_successive_halving_keeps_the_top_and_continues_exactly():
    prob = js.Problem.from_model(js.models.MLP(hidden=(8,)), js.data.digits())
    training = js.Training(steps=9, batch_size=64, progress=False)
    res = search.hyperband(prob, SPACE, training, eta=3, min_steps=1, brackets=[0])
    assert res.rung.tolist() == [0] * 9 + [1] * 3 + [2]
    assert res.resource.tolist() == [1] * 9 + [2] * 3 + [6]
    for i, n_next in ((0, 3), (1, 1)):
        here = np.flatnonzero(res.rung == i)
        order = np.argsort(-res.scores[here], kind="stable")[:n_next]  # ties: earlier index
        want = sorted(repr(res.configs[here[j]]) for j in order)
        got = sorted(repr(res.configs[j]) for j in np.flatnonzero(res.rung == i + 1))
        assert got == want
    # a survivor continued from its own state equals one uninterrupted run of r_i steps
    for j, total in (
        (int(np.flatnonzero(res.rung == 2)[0]), 9),
        (int(np.flatnonzero(res.rung == 1)[0]), 3),
    ):
        c = res.configs[j]
        direct = js.sweep(
            prob,
            js.optim.sgd,
            {k: [v] for k, v in c.items()},
            steps=total,
            batch_size=64,
            eval_every=total,
            progress=False,
        )
        for name in ("val_accuracy", "val_loss"):
            np.testing.assert_allclose(res.metrics[name][j], direct.metrics[name][0, -1], rtol=2e-5)
    assert np.cumsum(res.resource)[-1] == 9 * 1 + 3 * 2 + 6
