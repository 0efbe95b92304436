"""Every runnable example in every jaxscape docstring runs and prints what it claims."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import jaxscape


def _modules() -> list[str]:
    names = ["jaxscape"]
    for info in pkgutil.walk_packages(jaxscape.__path__, "jaxscape."):
        names.append(info.name)
    return sorted(names)


def _examples(name: str) -> int:
    finder = doctest.DocTestFinder()
    return sum(len(t.examples) for t in finder.find(importlib.import_module(name)))


@pytest.mark.parametrize("name", [m for m in _modules() if _examples(m)])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_every_public_object_of_the_core_has_an_example():
    """Public API promise: each documented object shows how it is called."""
    from jaxscape import optim

    missing = [
        n
        for n in optim.__all__
        if callable(getattr(optim, n))
        and not n.endswith("State")
        and ">>>" not in (getattr(optim, n).__doc__ or "")
    ]
    assert not missing, f"no runnable example in the docstrings of {missing}"
