"""The runnable examples in ``jaxscape.optim`` and ``jaxscape.schedules`` docstrings run and
print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "jaxscape.optim",
    "jaxscape.optim.adadelta",
    "jaxscape.optim.adagrad",
    "jaxscape.optim.adam",
    "jaxscape.optim.adamax",
    "jaxscape.optim.factories",
    "jaxscape.optim.nadam",
    "jaxscape.optim.rmsprop",
    "jaxscape.optim.sgd",
    "jaxscape.schedules",
    "jaxscape.schedules.cosine",
    "jaxscape.schedules.cyclical",
    "jaxscape.schedules.decay",
    "jaxscape.schedules.one_cycle",
    "jaxscape.schedules.policy",
    "jaxscape.schedules.range_test",
    "jaxscape.schedules.warmup",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
