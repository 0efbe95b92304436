"""A finished range test is read with one frozen reading object; its fields are shortcuts."""

import numpy as np
import pytest

from jaxscape.tune import Ramp
from jaxscape.tune.range_tests._run_parallel import ParallelReading, analyse_parallel
from jaxscape.tune.range_tests._run_ramp import RampReading, RampRun, analyse_ramp

VALUES = np.geomspace(1e-4, 1.0, 30)
LOSS = np.concatenate([np.linspace(2.3, 0.4, 24), [0.6, 1.2, 3, 9, 30, 90]])


def _ramp(**kw):
    return analyse_ramp("learning_rate", VALUES, np.arange(1, 31), {"train_loss": LOSS}, {}, **kw)


def test_a_ramp_run_reads_with_its_ramp_rules_and_resolved_beta():
    run = RampRun("learning_rate", 1e-4, 1.0, 30, "log", "train_loss", Ramp(rule="slide"))
    reading = run.reading()
    assert reading == RampReading(
        metric="train_loss",
        beta=0.98,  # Ramp's None: 0.98 per step
        bias_correction=True,
        stop_factor=4.0,
        rule="slide",
        spacing="log",
        skip_start=None,
        skip_end=5,
        scale="log",
    )
    epochs = RampRun("x", 0.0, 1.0, 10, "linear", "train_loss", Ramp(every="epoch"))
    assert epochs.reading().beta == 0.0  # Ramp's None: no smoothing per epoch
    by_object = _ramp(reading=reading, settings=run.settings())
    by_keywords = _ramp(settings=run.settings(), **vars(reading))
    assert by_object.settings == by_keywords.settings
    assert by_object.settings["every"] == "step" and by_object.settings["num"] == 30
    assert by_object.suggestions == by_keywords.suggestions
    assert by_object.rule == "slide" and by_object.suggestion == by_object.suggestions["slide"]
    # a shortcut overrides the object's field
    other = _ramp(reading=reading, settings={}, rule="valley", beta=0.0)
    assert other.rule == "valley" and other.settings["beta"] == 0.0


def test_unknown_reading_options_are_type_errors_naming_them():
    with pytest.raises(TypeError, match="analyse_ramp got an unexpected keyword argument 'betta'"):
        _ramp(settings={}, betta=0.5)
    with pytest.raises(TypeError, match=r"analyse_parallel got an unexpected .* 'tol'"):
        analyse_parallel("lr", VALUES[:2], [1], {}, [False, False], {}, tol=0.1)


def test_parallel_reading_object_equals_its_keywords():
    loss = np.array([[2.0, 1.5], [2.0, 0.5], [2.0, 0.1], [2.0, np.nan]])
    args = ("learning_rate", np.array([0.01, 0.1, 1.0, 10.0]), np.array([5, 10]))
    rest = ({"train_loss": loss}, np.isnan(loss[:, -1]), {"train_loss": 2.0})
    by_object = analyse_parallel(*args, *rest, reading=ParallelReading("train_loss", 0.5, "log"))
    by_keywords = analyse_parallel(*args, *rest, metric="train_loss", tolerance=0.5, scale="log")
    assert (by_object.band.lo, by_object.band.hi) == (by_keywords.band.lo, by_keywords.band.hi)
    assert by_object.suggestion == by_keywords.suggestion == 0.1
    assert by_object.divergence == 10.0
