"""The benchmarks' timing helpers now live in the package: :mod:`jaxscape.bench._timing`.

Re-exported here so scripts of this folder (and anyone who imported ``_timing``) keep working;
there is one copy of the timing code.
"""

from __future__ import annotations

from jaxscape.bench._timing import (
    Timing,
    available_memory_bytes,
    block,
    environment,
    format_table,
    load_average,
    measure,
    measure_interleaved,
)

__all__ = [
    "Timing",
    "available_memory_bytes",
    "block",
    "environment",
    "format_table",
    "load_average",
    "measure",
    "measure_interleaved",
]
