"""Bad hyperparameters raise a ValueError/TypeError naming the argument when the optimizer is
built; tracers and schedules are not checked (their values are unknown on the host)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

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


def test_good_values_at_the_bounds_are_accepted():
    jo.sgd(0.0, momentum=0.0, dampening=0.0, weight_decay=0.0)
    jo.sgd(np.array([0.1, 0.2]), momentum=np.array([0.0, 0.99]))
    jo.adam(b1=0.0, b2=0.0)
    jo.rmsprop(decay=0.0, momentum=0.999)
    jo.adagrad(initial_accumulator_value=0.0, lr_decay=0.0)
    jo.nadam(momentum_decay=0.0)


def test_tracers_and_schedules_are_not_checked():
    # a schedule is only evaluated inside update; a tracer's value is unknown on the host
    jo.sgd(lambda count: -1.0)

    @jax.jit
    def build(mu):
        opt = jo.sgd(0.1, momentum=mu, nesterov=True)
        return opt.update(jnp.ones(2), opt.init(jnp.ones(2)), jnp.ones(2))[0]

    assert build(jnp.float32(0.5)).shape == (2,)
