"""``batch_indices``: the documented rule, epoch permutations, chunking invariance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxscape.data import batch_indices


def reference(seed: int, n: int, b: int, start: int, count: int) -> np.ndarray:
    """The rule of the docstring, one step at a time."""
    spe = n // b
    out = []
    for t in range(start, start + count):
        order = np.random.default_rng([seed, t // spe]).permutation(n)
        k = t % spe
        out.append(order[k * b : (k + 1) * b])
    return np.asarray(out, np.int64).reshape(count, b)


@st.composite
def cases(draw):
    n = draw(st.integers(1, 60))
    b = draw(st.integers(1, n))
    return (
        draw(st.integers(0, 2**40)),
        n,
        b,
        draw(st.integers(0, 200)),
        draw(st.integers(0, 40)),
    )


@settings(max_examples=60, deadline=None)
@given(case=cases(), cut=st.floats(0, 1))
def test_matches_rule_and_is_chunking_invariant(case, cut):
    seed, n, b, start, count = case
    got = batch_indices(seed, n, b, start, count)
    assert got.dtype == np.int32 and got.shape == (count, b)
    np.testing.assert_array_equal(got, reference(seed, n, b, start, count))
    k = int(cut * count)
    parts = [batch_indices(seed, n, b, start, k), batch_indices(seed, n, b, start + k, count - k)]
    np.testing.assert_array_equal(np.concatenate(parts), got)


@pytest.mark.parametrize(("n", "b"), [(12, 4), (13, 4), (10, 10), (7, 1), (100, 33)])
def test_each_epoch_visits_distinct_rows(n, b):
    spe = n // b
    idx = batch_indices(3, n, b, 0, 3 * spe)
    for e in range(3):
        epoch = idx[e * spe : (e + 1) * spe].ravel()
        assert len(set(epoch.tolist())) == spe * b  # no row twice within an epoch
        assert epoch.min() >= 0 and epoch.max() < n
        if n % b == 0:
            np.testing.assert_array_equal(np.sort(epoch), np.arange(n))


def test_epochs_and_seeds_differ_and_repeat_deterministically():
    a = batch_indices(0, 1000, 100, 0, 20)
    np.testing.assert_array_equal(a, batch_indices(0, 1000, 100, 0, 20))
    assert not np.array_equal(a[:10], a[10:])  # epoch 1 reshuffles
    assert not np.array_equal(a, batch_indices(1, 1000, 100, 0, 20))


def test_large_seed_and_numpy_ints():
    got = batch_indices(np.int64(2**62), np.int64(50), np.int32(5), np.int64(7), np.int64(3))
    np.testing.assert_array_equal(got, reference(2**62, 50, 5, 7, 3))


def test_empty_range():
    assert batch_indices(0, 10, 3, 5, 0).shape == (0, 3)


def test_many_epochs_in_one_call():
    got = batch_indices(9, 5, 2, 0, 1000)  # 2 steps per epoch: 500 epochs
    np.testing.assert_array_equal(got[-4:], reference(9, 5, 2, 996, 4))


@pytest.mark.parametrize(
    ("args", "error", "pattern"),
    [
        ((0, 10, 11, 0, 1), ValueError, r"batch_size \(11\) must not exceed n"),
        ((0, 10, 0, 0, 1), ValueError, "batch_size must be >= 1"),
        ((0, 0, 1, 0, 1), ValueError, "n must be >= 1"),
        ((0, 10, 2, -1, 1), ValueError, "start must be >= 0"),
        ((0, 10, 2, 0, -1), ValueError, "count must be >= 0"),
        ((-1, 10, 2, 0, 1), ValueError, "seed must be >= 0"),
        ((0.5, 10, 2, 0, 1), TypeError, "seed must be an int"),
        ((True, 10, 2, 0, 1), TypeError, "seed must be an int"),
        ((0, 10.0, 2, 0, 1), TypeError, "n must be an int"),
        ((0, 10, 2, 1.0, 1), TypeError, "start must be an int"),
        ((0, 2**31, 2, 0, 1), ValueError, "n must be < 2"),
    ],
)
def test_validation(args, error, pattern):
    with pytest.raises(error, match=pattern):
        batch_indices(*args)
