"""``--quick``: a smoke-test preset that sits under the flags the user gave.

Each option a preset covers resolves in one order: the value the user gave (on the command line
or in ``--config``) wins, then ``--quick``'s preset, then the command's default. A value the user
gave is checked whether or not ``--quick`` is on, and a bad one is refused naming its flag (one
line, exit 2), so nothing the user typed is silently replaced.

>>> import argparse
>>> args = argparse.Namespace(quick=True, steps=50, width=None, seeds=None)
>>> settle(args, {"steps": 3000, "width": 1.0, "seeds": 5}, {"steps": 600, "width": 0.25})
{'steps': 50, 'width': 0.25, 'seeds': 5}
"""

from __future__ import annotations

import argparse
import numbers
from collections.abc import Mapping
from typing import Any


def settle(
    args: argparse.Namespace, defaults: Mapping[str, Any], preset: Mapping[str, Any]
) -> dict[str, Any]:
    """``{dest: value}`` for every destination in ``defaults``: the user's value (an attribute
    of ``args`` that is not ``None``), else ``preset``'s when ``args.quick``, else the default."""
    out = {}
    for dest, default in defaults.items():
        given = getattr(args, dest, None)
        if given is not None:
            out[dest] = given
        elif getattr(args, "quick", False) and dest in preset:
            out[dest] = preset[dest]
        else:
            out[dest] = default
    return out


def check_positive(flag: str, value: Any, *, integer: bool = False) -> Any:
    """``value`` (a number or a non-empty sequence of them) if every number is positive (and an
    integer when ``integer``); otherwise a ``ValueError`` naming ``flag``.

    >>> check_positive("--steps", 0, integer=True)
    Traceback (most recent call last):
    ...
    ValueError: --steps must be a positive integer, got 0
    """
    items = list(value) if isinstance(value, list | tuple) else [value]
    kind = "a positive integer" if integer else "positive"
    if not items:
        raise ValueError(f"{flag} must list at least one value")
    for v in items:
        number = isinstance(v, numbers.Real) and not isinstance(v, bool)
        whole = isinstance(v, numbers.Integral) and not isinstance(v, bool)
        if not number or (integer and not whole) or not v > 0:
            raise ValueError(f"{flag} must be {kind}, got {v!r}")
    return value
