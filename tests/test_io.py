"""Atomic file writes."""

from __future__ import annotations

import os
import stat

import numpy as np

from jaxscape._io import atomic_write_text, flatten_tree, load_npz, save_npz, unflatten_tree


def test_atomic_write_has_normal_permissions_and_no_leftovers(tmp_path):
    old = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "a" / "x.txt", "hello")
    finally:
        os.umask(old)
    assert path.read_text() == "hello"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["x.txt"]


def test_tree_round_trip_through_npz(tmp_path):
    tree = {"layers": {0: {"w": np.ones((2, 3))}, 1: {"w": np.zeros(4)}}, "b": np.arange(3)}
    save_npz(tmp_path / "t.npz", flatten_tree(tree))
    back = unflatten_tree(load_npz(tmp_path / "t.npz"))
    assert set(back) == {"layers", "b"} and set(back["layers"]) == {0, 1}
    np.testing.assert_array_equal(back["layers"][0]["w"], tree["layers"][0]["w"])
    np.testing.assert_array_equal(back["b"], tree["b"])
