"""The runnable examples in ``jaxscape.data`` docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "jaxscape.data",
    "jaxscape.data.arrays",
    "jaxscape.data.batching",
    "jaxscape.data.dataset",
    "jaxscape.data.embedded",
    "jaxscape.data.files",
    "jaxscape.data.housing",
    "jaxscape.data.teacher_student",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
