"""Small hand-checkable cases: resumed samplers draw afresh, tiny log ranges, bad samplers."""

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape import search
from jaxscape.search import Space
from jaxscape.search.coarse_to_fine import box_space, shrink_kind

pytest.importorskip("optuna")

PROB = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(3))
SPACE = Space({"learning_rate": search.log_uniform(1e-3, 1.0)})


def _rates(res):
    return [c["learning_rate"] for c in res.configs]


@pytest.mark.parametrize("sampler", ["random", "tpe"])
def test_resumed_optuna_search_draws_new_configurations(tmp_path, sampler):
    url = f"sqlite:///{tmp_path / 's.db'}"
    record = search.Record(storage=url, test=False)
    first = search.optuna_search(PROB, SPACE, 2, budget=3, batch=3, sampler=sampler, record=record)
    more = search.optuna_search(PROB, SPACE, 2, budget=6, batch=3, sampler=sampler, record=record)
    old, new = _rates(first), _rates(more)[3:]
    assert _rates(more)[:3] == old
    assert not set(new) & set(old)  # a fixed seed replayed the same three rates


def test_coarse_to_fine_box_of_a_tiny_log_range():
    kind = search.log_uniform(1e-20, 1e-10)
    box = shrink_kind(kind, 1e-15, 0.5)
    assert box.lo > 0
    np.testing.assert_allclose([box.lo, box.hi], [10**-17.5, 10**-12.5], rtol=1e-12)
    space = box_space(Space({"x": kind}), {"x": 1e-15}, 0.5)
    x = np.asarray([c["x"] for c in space.sample(50, seed=0)])
    assert np.all((x >= box.lo) & (x <= box.hi))
    assert shrink_kind(search.log_uniform(1e-4, 1.0), 1e-2, 0.5) == search.log_uniform(1e-3, 0.1)


@pytest.mark.parametrize("bad", [42, object(), "annealing"])
def test_optuna_search_refuses_a_bad_sampler(bad):
    err = TypeError if not isinstance(bad, str) else ValueError
    with pytest.raises(err, match="sampler must be one of"):
        search.optuna_search(PROB, SPACE, 2, budget=2, sampler=bad)
