"""Procedures refuse seeds outside the PRNG's range before training anything."""

import pytest

import jaxscape as js
from jaxscape.tune._common import check_seed, check_seeds


def test_seed_lists_that_run_past_the_prng_range_are_refused():
    assert check_seeds(3, 2**32 - 3).tolist() == [2**32 - 3, 2**32 - 2, 2**32 - 1]
    with pytest.raises(ValueError, match=r"seeds must be in \[0, 2\*\*32\).*index 1"):
        check_seeds(2, 2**32 - 1)
    with pytest.raises(ValueError, match="seeds must be in"):
        check_seeds([1, 2**32])
    with pytest.raises(ValueError, match="seed must be in"):
        check_seed(2**32)


def test_a_procedure_names_the_bad_seed(small_mlp_problem):
    with pytest.raises(ValueError, match="seed"):
        js.tune.lr_range_test(small_mlp_problem, num=4, steps=5, seed=2**40, progress=False)
