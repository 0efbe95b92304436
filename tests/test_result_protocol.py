"""One result protocol: every result a user receives is a frozen dataclass with ``save`` /
``load`` / ``plot`` / ``to_dataframe`` (or ``to_dict``) / ``summary() -> str``."""

from __future__ import annotations

import dataclasses
import importlib
import inspect

import pytest

from jaxscape._result import Result, check_metric, default_metric

RESULTS = [
    "jaxscape.population.result.SweepResult",
    "jaxscape.landscape.result.LandscapeLine",
    "jaxscape.landscape.result.LandscapeSurface",
    "jaxscape.tune.range_tests.result.RampRangeTest",
    "jaxscape.tune.range_tests.result.ParallelRangeTest",
    "jaxscape.tune.comparisons.comparison.Comparison",
    "jaxscape.tune.comparisons.optimizers.OptimizerComparison",
    "jaxscape.tune.seven_steps.report.Report",
    "jaxscape.search.result.SearchResult",
    "jaxscape.search._pbt_result.PBTResult",
    "jaxscape.study.zoo_result.ZooResult",
    "jaxscape.study.edge_of_stability_result.EdgeOfStability",
    "jaxscape.study.batch_size_result.BatchSizeResult",
    "jaxscape.bench.result.UpdateThroughput",
    "jaxscape.bench.result.PopulationScaling",
]


def _cls(path: str) -> type:
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("path", RESULTS)
def test_result_follows_the_protocol(path):
    cls = _cls(path)
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, f"{path} not frozen"
    for name in ("save", "load", "plot", "summary"):
        assert callable(getattr(cls, name, None)), f"{path} has no {name}"
    assert hasattr(cls, "to_dataframe") or hasattr(cls, "to_dict"), f"{path}: no table or dict"
    assert isinstance(inspect.getattr_static(cls, "load"), classmethod), f"{path}.load"
    assert "path" in inspect.signature(cls.plot).parameters, f"{path}.plot(path=None)"
    ret = inspect.signature(cls.summary).return_annotation
    assert ret in (str, "str"), f"{path}.summary returns {ret!r}, not str"
    assert issubclass(cls, Result)


def test_default_metric_order_and_errors():
    names = ["train_loss", "train_accuracy", "test_loss", "val_loss"]
    assert default_metric(names) == "val_loss"
    assert default_metric(names[:3]) == "test_loss"
    assert default_metric(["train_loss", "train_accuracy"]) == "train_accuracy"
    assert default_metric(["opt_lr"]) == "opt_lr"
    assert check_metric(names, "train_loss") == "train_loss"
    with pytest.raises(ValueError, match="metric must be one of"):
        check_metric(names, "val_accuracy")
    with pytest.raises(ValueError, match="names"):
        default_metric([])
