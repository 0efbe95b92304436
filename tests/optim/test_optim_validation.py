"""Bad hyperparameters raise a ValueError/TypeError naming the argument when the optimizer is
built; tracers and schedules are not checked (their values are unknown on the host)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from optim_cases import case_id, jax_trajectory, problem, torch_trajectory

import jaxscape.optim as jo

BETAS = ("adam", "adamw", "adamax", "nadam")
ALL = ("sgd", "adagrad", "rmsprop", "adadelta", *BETAS)


def _lr(name):
    return {"learning_rate": 0.1} if name == "sgd" else {}


BAD = [
    *[(name, {"learning_rate": -0.1}, "learning_rate") for name in ALL],
    *[(name, {"learning_rate": np.nan}, "learning_rate") for name in ALL],
    *[(name, {"weight_decay": -1e-3}, "weight_decay") for name in ALL],
    *[(name, {"weight_decay": np.inf}, "weight_decay") for name in ALL],
    *[(name, {"eps": 0.0}, "eps") for name in ALL if name != "sgd"],
    *[(name, {"eps": -1e-8}, "eps") for name in ALL if name != "sgd"],
    *[(name, {b: v}, b) for name in BETAS for b in ("b1", "b2") for v in (1.0, -0.1, np.nan)],
    ("sgd", {"momentum": 1.0}, "momentum"),
    ("sgd", {"momentum": -0.5}, "momentum"),
    ("sgd", {"momentum": np.nan}, "momentum"),
    ("sgd", {"dampening": 1.0}, "dampening"),
    ("sgd", {"dampening": -0.1}, "dampening"),
    ("sgd", {"nesterov": True}, "momentum"),  # nesterov needs momentum > 0
    ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "dampening"),
    ("adagrad", {"lr_decay": -0.1}, "lr_decay"),
    ("adagrad", {"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
    ("rmsprop", {"decay": 1.0}, "decay"),
    ("rmsprop", {"decay": -0.01}, "decay"),
    ("rmsprop", {"momentum": 1.5}, "momentum"),
    ("adadelta", {"rho": 1.0}, "rho"),
    ("adadelta", {"rho": -0.2}, "rho"),
    ("nadam", {"momentum_decay": -4e-3}, "momentum_decay"),
    ("sgd", {"momentum": np.array([0.5, 0.9, 1.2])}, r"momentum.*index 2"),
    ("adam", {"learning_rate": jnp.array([1e-3, -1e-3])}, r"learning_rate.*index 1"),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "match"),
    BAD,
    ids=[f"{n}-{'-'.join(k)}-{i}" for i, (n, k, _) in enumerate(BAD)],
)
def test_bad_values_raise_naming_the_argument(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(jo, name)(**{**_lr(name), **kwargs})


@pytest.mark.parametrize(
    ("name", "kwargs", "match"),
    [
        ("sgd", {"nesterov": np.array([True])}, "nesterov"),
        ("sgd", {"nesterov": 1}, "nesterov"),
        ("rmsprop", {"centered": "yes"}, "centered"),
        # only the learning rate may be a schedule
        ("sgd", {"momentum": lambda t: 0.9}, "momentum"),
        ("adam", {"b1": "0.9"}, "b1"),
        ("adam", {"learning_rate": True}, "learning_rate"),
    ],
)
def test_bad_types_raise_type_error(name, kwargs, match):
    with pytest.raises(TypeError, match=match):
        getattr(jo, name)(**{**_lr(name), **kwargs})


AT_THE_BOUNDS = [
    ("sgd", {"learning_rate": 0.0, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.99}),
    ("adam", {"b1": 0.0, "b2": 0.0}),
    ("rmsprop", {"decay": 0.0, "momentum": 0.999}),
    ("adagrad", {"initial_accumulator_value": 0.0, "lr_decay": 0.0}),
    ("nadam", {"momentum_decay": 0.0}),
]


@pytest.mark.parametrize("case", AT_THE_BOUNDS, ids=[case_id(c) for c in AT_THE_BOUNDS])
def test_values_at_the_bounds_are_accepted_and_step_as_torch(case):
    """Accepted, and the arithmetic at the edge is torch.optim's (its range checks agree)."""
    name, hp = case
    prob = problem(seed=3, dtype=np.float32, steps=10)
    ours = jax_trajectory(name, hp, *prob)
    theirs = torch_trajectory(name, hp, *prob)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-5)
    if hp.get("learning_rate") == 0.0:  # a zero rate never moves the parameters
        for a, p0 in zip(ours, prob[0], strict=True):
            np.testing.assert_array_equal(a, np.broadcast_to(p0, a.shape))


def test_array_hyperparameters_at_the_bounds_act_per_element():
    """One optimizer with ``[2]`` rates and momenta on a ``[2]`` parameter: element ``i`` follows
    torch's SGD with the ``i``-th values (momentum 0 and 0.99)."""
    lrs, mus = np.array([0.1, 0.2]), np.array([0.0, 0.99])
    opt = jo.sgd(lrs, momentum=mus)
    p = jnp.array([1.0, -2.0])
    state = opt.init(p)
    ours = []
    for _ in range(5):
        updates, state = opt.update(2.0 * p, state, p)  # gradient of sum(p^2)
        p = p + updates
        ours.append(np.asarray(p))
    for i in range(2):
        w = torch.tensor([[1.0, -2.0][i]], requires_grad=True)
        tor = torch.optim.SGD([w], lr=float(lrs[i]), momentum=float(mus[i]))
        for t in range(5):
            tor.zero_grad()
            (w**2).sum().backward()
            tor.step()
            np.testing.assert_allclose(ours[t][i], w.item(), rtol=1e-6)


def test_tracers_and_schedules_are_not_checked():
    # a schedule is only evaluated inside update; a tracer's value is unknown on the host
    jo.sgd(lambda count: -1.0)

    @jax.jit
    def build(mu):
        opt = jo.sgd(0.1, momentum=mu, nesterov=True)
        return opt.update(jnp.ones(2), opt.init(jnp.ones(2)), jnp.ones(2))[0]

    assert build(jnp.float32(0.5)).shape == (2,)
