"""A structure becomes the right optimizer and schedule; bad parameters fail early."""

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape import search
from jaxscape.search import Space, choice
from jaxscape.search._build import build, check_space

SPACE = Space(
    {
        "solver": choice(
            {
                "sgd": {
                    "learning_rate": search.log_uniform(1e-3, 1.0),
                    "momentum": search.reverse_log_uniform(0.5, 0.99),
                },
                "adam": {
                    "learning_rate": search.log_uniform(1e-4, 1e-1),
                    "b1": search.reverse_log_uniform(0.8, 0.99),
                },
            }
        ),
        "policy": choice(
            {
                "fixed": {},
                "exponential": {"gamma": search.reverse_log_uniform(0.9, 0.9999)},
                "inverse": {
                    "gamma": search.log_uniform(1e-3, 1e-1),
                    "power": search.uniform(0.5, 1),
                },
                "step": {"gamma": search.uniform(0.1, 0.9), "step_size": search.int_uniform(1, 3)},
            }
        ),
    }
)


def _run(opt, steps=5):
    p = jnp.array([1.0, -2.0, 0.5])
    state = opt.init(p)
    for t in range(steps):
        g = jnp.array([0.3, -0.1, 0.2]) * (t + 1) + p
        u, state = opt.update(g, state, p)
        p = p + u
    return np.asarray(p)


@pytest.mark.parametrize(
    "solver, policy, hand",
    [
        ("sgd", "fixed", lambda c: js.optim.sgd(c["learning_rate"], momentum=c["momentum"])),
        (
            "adam",
            "exponential",
            lambda c: js.optim.adam(
                js.schedules.exponential_decay(c["learning_rate"], c["gamma"]), b1=c["b1"]
            ),
        ),
        (
            "sgd",
            "inverse",
            lambda c: js.optim.sgd(
                js.schedules.inverse_time_decay(c["learning_rate"], c["gamma"], c["power"]),
                momentum=c["momentum"],
            ),
        ),
        (
            "adam",
            "step",
            lambda c: js.optim.adam(
                js.schedules.step_decay(c["learning_rate"], c["gamma"], c["step_size"]), b1=c["b1"]
            ),
        ),
    ],
)
def test_structure_builds_the_hand_written_optimizer(solver, policy, hand):
    configs = [
        c for c in SPACE.sample(200, seed=1) if (c["solver"], c["policy"]) == (solver, policy)
    ]
    config = configs[0]
    factory, table = build(SPACE, configs[:3])
    assert {k: v[0] for k, v in table.items()} == {
        k: v for k, v in config.items() if k not in ("solver", "policy")
    }
    built = factory(**{k: v[0] for k, v in table.items()})
    np.testing.assert_allclose(_run(built), _run(hand(config)), rtol=1e-6)


def test_a_parameter_the_optimizer_lacks_is_named():
    space = Space({"optimizer": choice({"sgd": {"b1": 0.9}, "adam": {}})})
    with pytest.raises(ValueError, match=r"'b1'.*sgd"):
        check_space(space)
    unknown = Space({"optimizer": choice({"sgd": {}, "lbfgs": {}})})
    with pytest.raises(ValueError, match="lbfgs"):
        check_space(unknown)
    with pytest.raises(ValueError, match="cosine"):
        check_space(Space({"policy": choice({"fixed": {}, "cosine": {}})}))


def test_random_search_rejects_a_bad_space_before_compiling(monkeypatch):
    import jaxscape.search._evaluate as ev

    calls = []
    monkeypatch.setattr(ev, "sweep", lambda *a, **k: calls.append(1))
    prob = js.Problem.from_loss(lambda p: jnp.sum(p**2), jnp.ones(2))
    space = Space({"learning_rate": search.log_uniform(1e-3, 1.0), "rho": search.uniform(0.1, 0.9)})
    with pytest.raises(ValueError, match="'rho'"):
        search.random_search(prob, space, 3, budget=2)
    assert calls == []
