"""The shared setup of the strategies names the arguments as the user gave them."""

import jax.numpy as jnp
import pytest

import jaxscape as js
from jaxscape import search
from jaxscape.search import Space

pytest.importorskip("optuna")

PROB = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(3))


def test_coarse_to_fine_errors_name_rounds_and_per_round():
    fixed = Space({"learning_rate": 0.1})
    with pytest.raises(ValueError, match=r"nothing to search .* rounds \* per_round=6 would"):
        search.coarse_to_fine(PROB, fixed, 3, rounds=2, per_round=3)
