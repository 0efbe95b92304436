"""The validation split every loader carves from its training rows: seeded, stratified."""

from __future__ import annotations

import numpy as np
import pytest

from jaxscape.data import from_arrays, house_prices, load, teacher


def rows(split) -> list[tuple]:
    return [tuple(r) for r in np.asarray(split.x).reshape(len(split), -1).tolist()]


def assert_carved(with_val, without_val) -> None:
    """train + val of ``with_val`` are exactly ``without_val``'s training rows; test unchanged."""
    tr, va, full = rows(with_val.train), rows(with_val.val), rows(without_val.train)
    assert set(tr).isdisjoint(va)
    assert sorted(tr + va) == sorted(full)
    order = {r: i for i, r in enumerate(full)}  # rows are unique in these tests
    for part in (tr, va):  # each keeps the original relative order
        assert np.all(np.diff([order[r] for r in part]) > 0)
    if without_val.test is not None:
        assert rows(with_val.test) == rows(without_val.test)


def test_from_arrays_val_is_a_stratified_partition_of_the_training_rows():
    x = np.arange(200.0).reshape(100, 2)
    y = np.repeat([0, 1, 2], [50, 30, 20])
    ds = from_arrays(x, y, test_fraction=0.2, val_fraction=0.25, seed=3)
    base = from_arrays(x, y, test_fraction=0.2, val_fraction=0, seed=3)
    assert (ds.n_train, ds.n_val, ds.n_test) == (60, 20, 20)
    assert base.val is None and base.n_val == 0
    assert_carved(ds, base)
    # 80 training rows hold 40/24/16 of the classes; a quarter of each is 10/6/4.
    np.testing.assert_array_equal(np.bincount(np.asarray(ds.val.y)), [10, 6, 4])
    x_val = np.asarray(ds.val.x)[:, 0]  # labels stay with their rows: row i has x = 2i
    expected = (x_val >= 100).astype(int) + (x_val >= 160)
    np.testing.assert_array_equal(np.asarray(ds.val.y), expected)


def test_from_arrays_val_is_seeded_and_also_carved_beside_a_given_test_split():
    x, y = np.arange(60.0)[:, None], np.arange(60) % 2
    xt, yt = np.zeros((5, 1)), np.zeros(5, int)
    a, b = (from_arrays(x, y, x_test=xt, y_test=yt, seed=1) for _ in range(2))
    c = from_arrays(x, y, x_test=xt, y_test=yt, seed=2)
    assert (a.n_train, a.n_val, a.n_test) == (51, 9, 5)  # 9 = round(0.15 * 60)
    assert rows(a.val) == rows(b.val) != rows(c.val)
    assert_carved(a, from_arrays(x, y, x_test=xt, y_test=yt, val_fraction=0))


def test_regression_val_split():
    x = np.arange(40.0)[:, None]
    ds = from_arrays(x, np.linspace(0, 1, 40), val_fraction=0.1)
    assert (ds.n_train, ds.n_val, ds.num_classes) == (36, 4, None)
    np.testing.assert_allclose(np.asarray(ds.val.y), np.asarray(ds.val.x)[:, 0] / 39, rtol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"val_fraction": 1.0}, r"val_fraction must be in \[0.0, 1.0\)"),
        ({"val_fraction": -0.1}, "val_fraction"),
        ({"val_fraction": 0.5, "x": np.ones((1, 1)), "y": [0]}, "val_fraction=0.5 holds out 1"),
    ],
)
def test_bad_val_fraction_is_named(kwargs, pattern):
    args = {"x": np.ones((10, 1)), "y": np.arange(10) % 2, **kwargs}
    with pytest.raises(ValueError, match=pattern):
        from_arrays(args.pop("x"), args.pop("y"), **args)


def test_load_npz_carves_val_from_train(tmp_path):
    x, y = np.arange(80.0).reshape(40, 2), np.arange(40) % 4
    np.savez(tmp_path / "xy.npz", x=x, y=y)
    ds = load(tmp_path / "xy.npz", test_fraction=0.25, val_fraction=0.2, seed=4)
    base = load(tmp_path / "xy.npz", test_fraction=0.25, val_fraction=0, seed=4)
    assert (ds.n_train, ds.n_val, ds.n_test) == (24, 6, 10)
    assert_carved(ds, base)


def test_teacher_and_house_prices_carve_val_from_their_training_draw():
    kw = {"n_train": 200, "n_test": 30, "input_shape": (3,), "num_classes": 4, "hidden": 8}
    t, t0 = teacher(**kw), teacher(val_fraction=0, **kw)
    assert (t.n_train, t.n_val, t.n_test) == (170, 30, 30)
    assert_carved(t, t0)
    share = np.bincount(np.asarray(t.val.y), minlength=4)
    assert np.all(np.abs(share - 0.15 * np.bincount(np.asarray(t0.train.y), minlength=4)) < 1.0)
    h, h0 = (
        house_prices(n=40, n_test=10, seed=3),
        house_prices(n=40, n_test=10, seed=3, val_fraction=0),
    )
    assert (h.n_train, h.n_val, h.n_test) == (34, 6, 10)
    assert_carved(h, h0)


def test_repr_shows_val():
    ds = from_arrays(np.arange(20.0)[:, None], np.arange(20) % 2, test_fraction=0.2)
    assert repr(ds) == "Dataset('arrays', train=14, val=2, test=4, input_shape=(1,), 2 classes)"
