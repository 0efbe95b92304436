"""Benchmarks as a feature: optimizer update throughput and population scaling on your device.

:func:`update_throughput` times one update of any optax transformations (ours, optax's, your
own) at several sizes, beside the device's copy bandwidth measured in the same run and, when
asked, torch.optim's ``foreach``/``fused`` versions. :func:`population_scaling` shows how a
population's trial-steps per second grow with its size ``N`` against a loop of single jitted
runs. Both return frozen results with ``save``/``load``/``plot``/``to_dataframe``/``summary``;
``jaxscape bench optimizers`` and ``jaxscape bench population`` run them from the shell.

>>> import jaxscape as js
>>> res = js.bench.update_throughput({"mine": js.optim.adam(1e-3)}, ["10K"], leaves=4,
...                                  repeats=1, warmup=1, progress=False)
>>> sorted({r.variant for r in res.rows}), res.rows[0].bytes_moved // res.rows[0].params
(['donated', 'flat', 'tree'], 28)
"""

from __future__ import annotations

from jaxscape.bench._registry import NAMED, parse_size
from jaxscape.bench._timing import Timing, block, measure, measure_interleaved
from jaxscape.bench.bytes import UpdateBytes, tree_bytes, update_bytes
from jaxscape.bench.population_scaling import population_scaling
from jaxscape.bench.result import PopulationScaling, ScalingRow, UpdateRow, UpdateThroughput
from jaxscape.bench.update_throughput import update_throughput

__all__ = [
    "NAMED",
    "PopulationScaling",
    "ScalingRow",
    "Timing",
    "UpdateBytes",
    "UpdateRow",
    "UpdateThroughput",
    "block",
    "measure",
    "measure_interleaved",
    "parse_size",
    "population_scaling",
    "tree_bytes",
    "update_bytes",
    "update_throughput",
]
