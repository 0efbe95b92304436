"""Hyperband's brackets against the paper's table and a direct float implementation."""

import math

import numpy as np
import pytest

from jaxscape.search import hyperband_brackets, keep_top

# Li et al. (2018), Table 1: R = 81, eta = 3; (n_i, r_i) for each bracket s = 4 .. 0.
PAPER = [
    [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)],
    [(34, 3), (11, 9), (3, 27), (1, 81)],
    [(15, 9), (5, 27), (1, 81)],
    [(8, 27), (2, 81)],
    [(5, 81)],
]


def test_r81_eta3_is_the_papers_table():
    assert hyperband_brackets(81, eta=3) == [[(n, float(r)) for n, r in b] for b in PAPER]


def _direct(R, eta, r_min):
    s_max = math.floor(math.log(R / r_min, eta) + 1e-9)
    out = []
    for s in range(s_max, -1, -1):
        n = math.ceil((s_max + 1) / (s + 1) * eta**s - 1e-9)
        r = R * eta ** (-s)
        out.append([(math.floor(n * eta ** (-i) + 1e-9), r * eta**i) for i in range(s + 1)])
    return out


@pytest.mark.parametrize(
    "R, eta, r_min", [(27, 3, 1), (100, 3, 1), (64, 2, 1), (256, 4, 4), (1000, 10, 1), (50, 2, 3)]
)
def test_brackets_follow_the_formulas(R, eta, r_min):
    got = hyperband_brackets(R, eta=eta, min_resource=r_min)
    want = _direct(R, eta, r_min)
    assert [[n for n, _ in b] for b in got] == [[n for n, _ in b] for b in want]
    np.testing.assert_allclose([r for b in got for _, r in b], [r for b in want for _, r in b])
    assert all(b[-1][1] == pytest.approx(R) for b in got)


def test_keep_top_keeps_the_best_floor_n_over_eta_ties_by_index():
    scores = np.array([0.3, 0.9, np.nan, 0.9, 0.1, 0.5, 0.9, 0.2, 0.4])
    n_keep = scores.size // 3
    assert keep_top(scores, n_keep).tolist() == [1, 3, 6]
    assert keep_top(scores, 5).tolist() == [1, 3, 6, 5, 8]
    assert keep_top(scores, 9)[-1] == 2  # NaN last


@pytest.mark.parametrize(
    "kwargs, match",
    [({"eta": 1}, "eta"), ({"min_resource": 100}, "<="), ({"max_resource": -1}, "max_resource")],
)
def test_bad_bracket_arguments(kwargs, match):
    args = {"max_resource": 81, **kwargs}
    with pytest.raises(ValueError, match=match):
        hyperband_brackets(**args)


def test_brackets_within_a_budget_add_up_their_rung_costs():
    from jaxscape.search import brackets_within

    costs = []
    for rungs in PAPER:  # R = 81, eta = 3: steps a bracket trains, sum n_i (r_i - r_{i-1})
        prev, cost = 0, 0
        for n, r in rungs:
            cost += n * (r - prev)
            prev = r
        costs.append(cost)
    assert costs == [297, 276, 279, 324, 405]
    assert brackets_within(81, budget=sum(costs)) == [0, 1, 2, 3, 4]
    assert brackets_within(81, budget=600) == [0, 1]
    assert brackets_within(81, budget=100) == []
