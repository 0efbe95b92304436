"""Every result of the tune procedures saves to a folder and loads back field for field, and
offers the protocol's table and summary."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from jaxscape.tune.comparisons.comparison import ArmRuns, Comparison, comparison_of
from jaxscape.tune.comparisons.optimizers import OptimizerComparison
from jaxscape.tune.comparisons.plateau import plateau_epoch
from jaxscape.tune.range_tests._run_parallel import analyse_parallel
from jaxscape.tune.range_tests._run_ramp import analyse_ramp
from jaxscape.tune.range_tests.result import ParallelRangeTest, RampRangeTest


def _parallel():
    values = np.geomspace(1e-3, 1.0, 7)
    final = np.array([2.2, 1.5, 0.8, 0.3, 0.25, 2.3, np.nan])
    acc = np.array([0.2, 0.5, 0.8, 0.93, 0.94, 0.1, np.nan])
    curves = {
        "train_loss": np.stack([np.full(7, 2.3), final], 1),
        "val_accuracy": np.stack([np.full(7, 0.1), acc], 1),
    }
    return analyse_parallel(
        "learning_rate",
        values,
        np.array([10, 20]),
        curves,
        ~np.isfinite(final),
        {"train_loss": 2.3},
        metric="val_accuracy",
        tolerance=None,
        scale="log",
        fixed={"momentum": 0.9},
        steps_per_epoch=10,
    )


def _ramp():
    v = np.geomspace(1e-4, 1, 60)
    loss = np.concatenate([np.linspace(2.3, 0.5, 45), np.geomspace(0.6, 80, 15)])
    loss[-1] = np.nan
    return analyse_ramp(
        "learning_rate",
        v,
        np.arange(60),
        {"train_loss": loss},
        {"train_loss": 2.3},
        metric="train_loss",
        beta=0.9,
        bias_correction=True,
        stop_factor=4.0,
        rule="valley",
        spacing="log",
        skip_start=None,
        skip_end=5,
        settings={"ramp": "exponential"},
    )


def _comparison():
    rng = np.random.default_rng(0)
    arms = {"sgd": {"learning_rate": 0.1}, "adam": {"learning_rate": 0.01}}
    steps = np.array([0, 10, 20])
    curves = {
        a: {"val_loss": rng.uniform(0.1, 1.0, (3, 3)), "train_loss": rng.uniform(0, 1, (3, 3))}
        for a in arms
    }
    diverged = {a: np.zeros(3, bool) for a in arms}
    params = {a: {"w": rng.normal(size=(3, 2)), "layers": [rng.normal(size=3)]} for a in arms}
    runs = ArmRuns(steps, curves, diverged, params, {"seconds": 1.5})
    plateau = plateau_epoch(steps / 10.0, curves["sgd"]["val_loss"].mean(0), "val_loss")
    return comparison_of(
        "optimizers",
        arms,
        np.array([0, 1, 2]),
        runs,
        steps_per_epoch=10,
        metric="val_loss",
        k=2.0,
        min_effect=0.0,
        rates={a: np.full(20, 0.1) for a in arms},
        plateau=plateau,
    )


def _optimizers():
    cmp = _comparison()
    return OptimizerComparison(
        sweeps={"sgd": _parallel()},
        chosen={"sgd": {"learning_rate": 0.1}, "adam": {"learning_rate": 0.01}},
        comparison=cmp,
        best=cmp.chosen(),
        rule="the rule",
        fallbacks={"adam": "every rate failed"},
    )


def _assert_same(a, b, where="result"):
    """Field-by-field equality: arrays (NaN equal to NaN), dicts, dataclasses, floats."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            _assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for k in a:
            _assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, float):
        assert isinstance(b, float) and (a == b or (np.isnan(a) and np.isnan(b))), where
    else:
        assert a == b and type(a) is type(b), where


@pytest.mark.parametrize("make", [_parallel, _ramp, _comparison, _optimizers])
def test_save_load_round_trip(tmp_path, make):
    res = make()
    assert res.save(tmp_path / "r") == tmp_path / "r"
    back = type(res).load(tmp_path / "r")
    _assert_same(res, back)
    assert back.summary() == res.summary()
    # open formats only: the JSON parses, the arrays load without pickles
    files = sorted(p.name for p in (tmp_path / "r").iterdir())
    assert len(files) == 2 and "arrays.npz" in files
    json.loads((tmp_path / "r" / next(f for f in files if f.endswith(".json"))).read_text())
    with np.load(tmp_path / "r" / "arrays.npz", allow_pickle=False) as z:
        assert len(z.files) > 0


def test_loading_the_wrong_type_or_folder_fails_clearly(tmp_path):
    _ramp().save(tmp_path / "ramp")
    with pytest.raises(ValueError, match="RampRangeTest, not a ParallelRangeTest"):
        ParallelRangeTest.load(tmp_path / "ramp")
    with pytest.raises(FileNotFoundError, match=r"comparison\.json"):
        Comparison.load(tmp_path / "ramp")


def test_tables_hold_one_row_per_value_step_and_arm_seed():
    par = _parallel().to_dataframe()
    assert list(par.index) == pytest.approx(np.geomspace(1e-3, 1.0, 7).tolist())
    np.testing.assert_allclose(par["val_accuracy"].iloc[:5], [0.2, 0.5, 0.8, 0.93, 0.94])
    assert par["failed"].tolist()[-2:] == [True, True] and par["in_band"].sum() >= 1
    ramp = _ramp()
    table = ramp.to_dataframe()
    assert len(table) == 60 and table["smoothed"].iloc[3] == ramp.smoothed[3]
    cmp = _comparison().to_dataframe()
    assert len(cmp) == 6
    assert cmp.loc[("adam", 2), "val_loss"] == _comparison().curves["adam"]["val_loss"][2, -1]
    opt = _optimizers().to_dataframe()
    assert opt.loc["adam", "fallback"] and opt.loc["sgd", "learning_rate"] == 0.1
    assert isinstance(RampRangeTest.summary(ramp), str)
