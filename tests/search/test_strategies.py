"""Random search, coarse to fine and Optuna's samplers, checked against direct sweeps."""

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
import jaxscape.search._evaluate as ev
from jaxscape import search
from jaxscape.search import Space, choice

optuna = pytest.importorskip("optuna")

SPACE = Space(
    {
        "optimizer": choice(
            {
                "sgd": {
                    "learning_rate": search.log_uniform(1e-2, 1.0),
                    "momentum": search.reverse_log_uniform(0.5, 0.95),
                },
                "adam": {"learning_rate": search.log_uniform(1e-3, 1e-1)},
            }
        )
    }
)


@pytest.fixture(scope="module")
def prob():
    return js.Problem.from_model(js.models.MLP(hidden=(8,)), js.data.digits())


def _direct(prob, config, steps, seed):
    """A direct js.sweep of one configuration, the optimizer written by hand."""
    factory = {"sgd": js.optim.sgd, "adam": js.optim.adam}[config["optimizer"]]
    table = {k: [v] for k, v in config.items() if k != "optimizer"}
    res = js.sweep(
        prob,
        factory,
        table,
        steps=steps,
        batch_size=64,
        eval_every=max(1, steps // 10),  # the search's default: ten records
        seed=seed,
        progress=False,
    )
    return {k: float(v[0, -1]) for k, v in res.metrics.items()}


def _count_sweeps(monkeypatch) -> list[int]:
    """The population sizes of the search's sweeps, appended as they run."""
    sizes: list[int] = []
    real = ev.sweep

    def counting(p, factory, table, **kw):
        sizes.append(len(np.atleast_1d(table["learning_rate"])))
        return real(p, factory, table, **kw)

    monkeypatch.setattr(ev, "sweep", counting)
    return sizes


def test_random_search_trains_the_sampled_configurations_as_populations(prob, monkeypatch):
    sizes = _count_sweeps(monkeypatch)
    training = js.Training(steps=12, batch_size=64, seeds=(3,), progress=False)
    res = search.random_search(prob, SPACE, training, budget=5)
    assert list(res.configs) == SPACE.sample(5, seed=3)  # the documented draw, in order
    groups = SPACE.group(SPACE.sample(5, seed=3))
    # one population per structure; the chosen configuration's test metrics come from its
    # kept weights (no run of it alone at the end)
    assert sorted(sizes) == sorted(len(v) for v in groups.values())
    assert res.metric == "val_accuracy" and not any(k.startswith("test_") for k in res.metrics)
    best = res.best()
    b = res.best_index()
    other = next(
        i for i, c in enumerate(res.configs) if c["optimizer"] != best["config"]["optimizer"]
    )
    for i in (b, other):
        want = _direct(prob, res.configs[i], 12, 3)
        for name in ("val_accuracy", "val_loss", "train_loss"):
            np.testing.assert_allclose(res.metrics[name][i], want[name], rtol=2e-5)
        if i == b:  # the test split, evaluated once at the end, for the chosen one only
            assert res.test == pytest.approx({k: v for k, v in want.items() if "test_" in k})
    assert best["score"] == np.max(res.metrics["val_accuracy"])


def test_a_best_trial_from_an_earlier_call_is_trained_again_for_the_test_split(
    prob, tmp_path, monkeypatch
):
    # The first call runs every trial and evaluates no test split; the second, on the same
    # storage, runs nothing, so it holds no kept weights: the chosen configuration trains
    # again alone (one population of one), with the same numbers as a direct sweep.
    url = f"sqlite:///{tmp_path / 's.db'}"
    training = js.Training(steps=12, batch_size=64, seeds=(3,), progress=False)
    first = search.Record(storage=url, study_name="s", test=False)
    res = search.random_search(prob, SPACE, training, budget=4, batch=2, record=first)
    assert res.test == {}
    sizes = _count_sweeps(monkeypatch)
    record = search.Record(storage=url, study_name="s")
    again = search.random_search(prob, SPACE, training, budget=4, batch=2, record=record)
    assert sizes == [1] and again.best()["trial"] == res.best()["trial"]
    want = _direct(prob, again.best()["config"], 12, 3)
    assert again.test == pytest.approx({k: v for k, v in want.items() if "test_" in k}, rel=2e-5)


def _quadratic():
    # f(p) = 0.5 sum(h p^2), h spread over [0.1, 1]: best learning rates near 1 < 2 / max h
    h = jnp.linspace(0.1, 1.0, 4)
    return js.Problem.from_loss(lambda p: 0.5 * jnp.sum(h * p**2), jnp.ones(4))


def test_coarse_to_fine_samples_inside_a_box_shrunk_around_the_best():
    space = Space(
        {"learning_rate": search.log_uniform(1e-3, 1.0), "momentum": search.uniform(0.0, 0.9)}
    )
    training = js.Training(steps=10, seeds=(1,), progress=False)
    res = search.coarse_to_fine(_quadratic(), space, training, rounds=3, per_round=6, shrink=0.5)
    assert res.round.tolist() == [0] * 6 + [1] * 6 + [2] * 6
    lr = np.log10([c["learning_rate"] for c in res.configs])
    mom = np.asarray([c["momentum"] for c in res.configs])
    for r in (1, 2):
        before = res.round < r
        b = int(np.flatnonzero(before)[np.argmin(res.scores[before])])  # lowest loss so far
        for x, lo, hi in ((lr, -3.0, 0.0), (mom, 0.0, 0.9)):
            width = (hi - lo) * 0.5**r
            a = min(max(x[b] - width / 2, lo), hi - width)
            now = x[res.round == r]
            assert np.all((now >= a - 1e-9) & (now <= a + width + 1e-9)), (r, now, a, width)
    # the box helped: the last round's median is better than the first's
    assert np.median(res.scores[res.round == 2]) < np.median(res.scores[res.round == 0])


@pytest.mark.parametrize("sampler", ["tpe", "qmc", "cmaes"])
def test_optuna_round_trip_through_sqlite(tmp_path, sampler):
    url = f"sqlite:///{tmp_path / 'search.db'}"
    space = Space(
        {
            "optimizer": choice(
                {
                    "sgd": {
                        "learning_rate": search.log_uniform(1e-2, 1.0),
                        "momentum": search.reverse_log_uniform(0.5, 0.95),
                    },
                    "adam": {"learning_rate": search.log_uniform(1e-3, 1e-1)},
                }
            )
        }
    )
    prob = _quadratic()
    record = search.Record(storage=url, study_name="s")
    res = search.optuna_search(prob, space, 8, sampler=sampler, budget=6, batch=3, record=record)
    study = optuna.load_study(study_name="s", storage=url)
    trials = {t.number: t for t in study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))}
    assert sorted(trials) == sorted(res.trial.tolist()) and len(trials) == 6
    for i, n in enumerate(res.trial):
        t, config = trials[int(n)], res.configs[i]
        assert t.value == pytest.approx(res.metrics["train_loss"][i], rel=1e-12)
        assert t.params["optimizer"] == config["optimizer"]
        branch = config["optimizer"]
        assert t.params[f"{branch}/learning_rate"] == pytest.approx(config["learning_rate"])
        if branch == "sgd":
            assert 1 - t.params["sgd/1-momentum"] == pytest.approx(config["momentum"])
        else:
            assert "momentum" not in config
    # the study's value is what a direct sweep of that configuration measures
    i = res.best_index()
    c = res.configs[i]
    factory = {"sgd": js.optim.sgd, "adam": js.optim.adam}[c["optimizer"]]
    direct = js.sweep(
        prob,
        factory,
        {k: [v] for k, v in c.items() if k != "optimizer"},
        steps=9,
        eval_every=1,
        progress=False,
    )  # the loss seen at step 9 is f at the parameters after 8 steps, exactly
    assert trials[int(res.trial[i])].value == pytest.approx(
        float(direct.metrics["train_loss"][0, -1]), rel=1e-5
    )
