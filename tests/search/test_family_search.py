"""Architecture in the search space: a space parameter named like a ProblemFamily's is
structural, one population per structure per batch, trained on the family's problem of it."""

from __future__ import annotations

import numpy as np
import pytest

import jaxscape as js
import jaxscape.search._evaluate as ev
from jaxscape import search
from jaxscape.search import Space

pytest.importorskip("optuna")

SPACE = Space(
    {"hidden": search.categorical([8, 16]), "learning_rate": search.log_uniform(0.05, 0.5)}
)
TRAINING = js.Training(steps=12, batch_size=64, seeds=(3,), progress=False)


@pytest.fixture(scope="module")
def family(digits):
    def build(hidden: int) -> js.Problem:
        return js.Problem.from_model(js.models.MLP(hidden=(hidden,)), digits)

    return js.ProblemFamily(build)


def test_random_search_runs_one_population_per_hidden_value(family, monkeypatch):
    calls = []
    real = ev.sweep

    def counting(p, factory, table, **kw):
        calls.append((p, dict(table)))
        return real(p, factory, table, **kw)

    monkeypatch.setattr(ev, "sweep", counting)
    res = search.random_search(family, SPACE, TRAINING, budget=6)
    configs = SPACE.sample(6, seed=3)
    assert list(res.configs) == configs
    by_hidden = {h: [c for c in configs if c["hidden"] == h] for h in (8, 16)}
    assert all(by_hidden.values())  # the draw holds both structures
    groups = calls  # the test split is evaluated on the best trial's kept weights: no rerun
    assert len(groups) == 2
    for p, table in groups:
        assert "hidden" not in table  # structural: to the family's build, not the optimizer
        h = 8 if p.num_params == family.problem(hidden=8).num_params else 16
        assert p.init is family.problem(hidden=h).init and p.data.test is None
        lrs = np.float64([c["learning_rate"] for c in by_hidden[h]])
        np.testing.assert_array_equal(table["learning_rate"], lrs)
    best = res.best()
    h, lr = best["config"]["hidden"], best["config"]["learning_rate"]
    alone = js.sweep(
        family.problem(hidden=h), js.optim.sgd, {"learning_rate": [lr]}, steps=12,
        batch_size=64, seed=3, eval_every=ev.default_every(12), progress=False,
    )  # fmt: skip
    np.testing.assert_allclose(best["score"], alone.metrics[res.metric][0, -1], rtol=2e-5)
    assert res.test == pytest.approx(
        {k: float(v[0, -1]) for k, v in alone.metrics.items() if k.startswith("test_")},
        rel=2e-5,
    )


def test_optuna_search_takes_a_family(family):
    res = search.optuna_search(family, SPACE, TRAINING, budget=4, batch=4, sampler="random")
    assert res.n_trials == 4 and {c["hidden"] for c in res.configs} <= {8, 16}
    assert np.all(np.isfinite(res.scores))


def test_structural_parameters_are_checked_before_compiling(family):
    bad = Space({"hidden": search.uniform(4.0, 20.0), "learning_rate": 0.1})
    with pytest.raises(ValueError, match=r"space parameter 'hidden' must be an integer"):
        search.random_search(family, bad, TRAINING, budget=2)
    plain = family.problem(hidden=8)  # without a family, hidden is the optimizer's: refused
    with pytest.raises(ValueError, match=r"parameter 'hidden' is not a hyperparameter of sgd"):
        search.random_search(plain, SPACE, TRAINING, budget=2)
    with pytest.raises(TypeError, match="hyperband takes a Problem, not a ProblemFamily"):
        search.hyperband(family, SPACE, 9)


def test_group_share_counts_the_structural_values():
    from jaxscape.search._build import group_configs, group_share

    assert group_share(SPACE, 8, ("hidden",)) == 4  # two hidden values: a group of 4
    assert group_share(SPACE, 8) == 8
    configs = SPACE.sample(8, seed=0)
    groups = group_configs(SPACE, configs, ("hidden",))
    assert sorted(dict(k[1])["hidden"] for k in groups) == [8, 16]
