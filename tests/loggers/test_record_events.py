"""``events_from_result``: a finished sweep replayed as the records a live sweep hands out."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from jaxscape.population.record import RecordEvent, events_from_result


def test_events_replay_every_column_of_the_result(result):
    events = list(events_from_result(result))
    assert [e.column for e in events] == list(range(len(result.steps)))
    assert [e.step for e in events] == result.steps.tolist()
    bad = int(np.flatnonzero(result.diverged)[0])
    for event in events:
        assert event.n == result.n_trials
        np.testing.assert_array_equal(event.trials, np.arange(result.n_trials))
        for name, values in result.metrics.items():
            np.testing.assert_array_equal(event.metrics[name], values[:, event.column])
        assert event.hyperparams.keys() == result.hyperparams.keys()
        # the diverged trial is flagged from the first record at or after its step, only it
        assert event.diverged[bad] == (event.step >= result.diverged_at[bad])
        assert event.diverged.sum() == event.diverged[bad]
    with pytest.raises(dataclasses.FrozenInstanceError):
        events[0].step = 3


def test_rows_are_python_numbers_per_trial(result):
    event = next(events_from_result(result))
    trial, metrics, hyper = list(event.rows())[5]
    assert trial == 5 and type(metrics["train_loss"]) is float
    assert hyper["learning_rate"] == result.hyperparams["learning_rate"][5]
    assert type(hyper["seed"]) is int


def test_a_chunk_of_trials_is_an_event_too():
    """What a chunked engine hands out: a subset of the trials, by their original indices."""
    event = RecordEvent(
        step=10,
        column=0,
        trials=np.array([4, 7]),
        metrics={"train_loss": np.array([0.5, np.nan], np.float32)},
        hyperparams={"learning_rate": np.array([0.1, 3.0])},
        diverged=np.array([False, True]),
    )
    assert [(t, m["train_loss"] == 0.5) for t, m, _ in event.rows()] == [(4, True), (7, False)]
