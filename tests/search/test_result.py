"""SearchResult: best, incumbent trajectory by a direct loop, save/load round trip."""

import csv

import numpy as np
import pytest

from jaxscape.search import SearchResult


def _result(metric="val_accuracy"):
    rng = np.random.default_rng(0)
    n = 7
    acc = rng.random(n)
    acc[2] = np.nan
    return SearchResult(
        configs=tuple(
            {"optimizer": "sgd" if i % 2 else "adam", "learning_rate": float(10.0**-i)}
            for i in range(n)
        ),
        metrics={metric: acc, "val_loss": rng.random(n)},
        metric=metric,
        resource=np.asarray([3, 3, 9, 9, 27, 3, 3]),
        round=np.arange(n) // 3,
        bracket=-np.ones(n, np.int64),
        rung=-np.ones(n, np.int64),
        wall_time=np.linspace(0.5, 4.0, n),
        trial=np.arange(n) + 10,
        diverged=np.arange(n) == 2,
        strategy="random",
        test={"test_accuracy": 0.8},
        info={"steps": 3, "storage": None},
    )


def test_incumbent_is_the_best_so_far_by_a_direct_loop():
    r = _result()
    x, y = r.incumbent("steps")
    best, spent, want_x, want_y = -np.inf, 0, [], []
    for i in range(r.n_trials):
        spent += int(r.resource[i])
        s = r.metrics["val_accuracy"][i]
        if not r.diverged[i] and s > best:
            best = s
        want_x.append(spent)
        want_y.append(best)
    assert x.tolist() == want_x and y.tolist() == want_y
    assert r.incumbent("wall_time")[0].tolist() == r.wall_time.tolist()
    assert r.best()["trial"] == 10 + int(np.nanargmax(r.metrics["val_accuracy"]))
    loss = _result("val_loss")
    assert loss.best()["score"] == np.min(loss.metrics["val_loss"][~loss.diverged])
    with pytest.raises(ValueError, match="against"):
        r.incumbent("epochs")


def test_save_load_round_trip(tmp_path):
    r = _result()
    r.save(tmp_path / "res")
    back = SearchResult.load(tmp_path / "res")
    assert back.configs == r.configs and back.metric == r.metric and back.strategy == r.strategy
    assert back.test == r.test and back.info == r.info
    for name in ("resource", "round", "bracket", "rung", "wall_time", "trial", "diverged"):
        np.testing.assert_array_equal(getattr(back, name), getattr(r, name))
    for k, v in r.metrics.items():
        np.testing.assert_array_equal(back.metrics[k], v)  # NaN included
    with open(tmp_path / "res" / "trials.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(row["trial"]) for row in rows] == r.trial.tolist()
    assert float(rows[1]["learning_rate"]) == 0.1
    df = r.to_dataframe()
    assert list(df.index) == r.trial.tolist() and "val_accuracy" in df
    best_line = r.summary().splitlines()[1]
    assert best_line.split()[:2] == ["trial", str(r.best()["trial"])]
