"""Loggers as the live ``on_record`` hook of ``js.sweep``: what they write while the sweep runs
equals the result it returns, chunked populations included."""

from __future__ import annotations

import jax.numpy as jnp
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import jaxscape as js
from jaxscape.loggers import TensorBoardLogger


def test_a_live_sweep_logs_its_result(tmp_path, assert_curve):
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(3))
    table = js.grid(learning_rate=[0.03, 0.3, 1.5, 2.5], momentum=[0.0, 0.5])
    seen = []
    with TensorBoardLogger(tmp_path) as tb:

        def hook(event):
            seen.append((event.column, event.trials.tolist()))
            tb(event)

        res = js.sweep(prob, js.optim.sgd, table, steps=40, eval_every=10, chunk_size=4,
                       progress=False, on_record=hook)  # fmt: skip
    # every (record, trial) exactly once, each chunk's trials by their original indices
    assert {len(trials) for _, trials in seen} == {4}
    pairs = sorted((c, t) for c, trials in seen for t in trials)
    assert pairs == [(c, t) for c in range(len(res.steps)) for t in range(res.n_trials)]
    for trial in range(res.n_trials):
        acc = EventAccumulator(str(tmp_path / f"trial_{trial:04d}"), size_guidance={"scalars": 0})
        acc.Reload()
        events = acc.Scalars("metric/train_loss")
        assert_curve([e.step for e in events], [e.value for e in events], res, "train_loss", trial)
