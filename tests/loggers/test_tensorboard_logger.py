"""TensorBoardLogger round trip, read back with TensorBoard's own event reader."""

from __future__ import annotations

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2

from jaxscape.loggers import TensorBoardLogger


def read_run(folder) -> EventAccumulator:
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    return acc


def hparams_of(acc: EventAccumulator) -> tuple[dict, int]:
    """The run's HParams session: ``({name: value}, end status)``."""
    content = acc.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_start_info"]
    ).session_start_info
    end = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_end_info"]
    ).session_end_info
    values = {k: getattr(v, v.WhichOneof("kind")) for k, v in start.hparams.items()}
    return values, end.status


@pytest.mark.parametrize("chunk", [None, 3])
def test_tensorboard_round_trip(result, tmp_path, assert_curve, chunked, chunk):
    """Whole records, or chunks of 3 trials each through every record (a chunked engine)."""
    with TensorBoardLogger(tmp_path / "tb", config={"optimizer": "sgd"}) as tb:
        if chunk is None:
            tb.log_result(result)
        else:
            for event in chunked(result, chunk):
                tb(event)
    runs = sorted(p.name for p in (tmp_path / "tb").iterdir())
    assert runs == [f"trial_{i:04d}" for i in range(result.n_trials)]
    for trial in range(result.n_trials):
        acc = read_run(tmp_path / "tb" / f"trial_{trial:04d}")
        assert set(acc.Tags()["scalars"]) == {f"metric/{k}" for k in result.metrics}
        for name in result.metrics:
            events = acc.Scalars(f"metric/{name}")
            assert_curve([e.step for e in events], [e.value for e in events], result, name, trial)
        hyper, status = hparams_of(acc)
        assert hyper.pop("optimizer") == "sgd"
        assert hyper.keys() == result.hyperparams.keys()
        for name, value in hyper.items():
            np.testing.assert_allclose(value, result.hyperparams[name][trial], rtol=1e-6)
        assert status == (2 if result.diverged[trial] else 1)  # STATUS_FAILURE / SUCCESS


def test_an_interrupted_sweep_ends_its_sessions_unknown(result, tmp_path):
    """An exception leaving the ``with`` block (a failed or interrupted sweep): the runs end,
    flagged — not as a success."""
    from jaxscape.population.record import events_from_result

    with pytest.raises(KeyboardInterrupt), TensorBoardLogger(tmp_path) as tb:
        tb(next(events_from_result(result)))
        raise KeyboardInterrupt
    assert tb.interrupted
    for trial in range(result.n_trials):
        acc = read_run(tmp_path / f"trial_{trial:04d}")
        assert [e.step for e in acc.Scalars("metric/train_loss")] == [10]
        _, status = hparams_of(acc)
        diverged = 0 <= result.diverged_at[trial] <= 10  # flagged by the first record already
        assert status == (2 if diverged else 0)  # STATUS_FAILURE / STATUS_UNKNOWN
