"""Hyperparameters are data: vmapped populations equal separate runs, trial by trial, and new
values (momentum 0 included) never cause a new trace."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from optim_cases import problem

import jaxscape.optim as jo
import jaxscape.schedules as sch

DEFAULTS = {
    "sgd": {"learning_rate": 0.05, "momentum": 0.5, "dampening": 0.1, "weight_decay": 0.01},
    "adagrad": {
        "learning_rate": 0.05,
        "initial_accumulator_value": 0.1,
        "eps": 1e-8,
        "lr_decay": 0.01,
        "weight_decay": 0.01,
    },
    "rmsprop": {
        "learning_rate": 0.01,
        "decay": 0.9,
        "eps": 1e-6,
        "momentum": 0.5,
        "weight_decay": 0.01,
    },
    "adadelta": {"learning_rate": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.01},
    "adam": {"learning_rate": 0.01, "b1": 0.8, "b2": 0.99, "eps": 1e-6, "weight_decay": 0.01},
    "adamw": {"learning_rate": 0.01, "b1": 0.8, "b2": 0.99, "eps": 1e-6, "weight_decay": 0.05},
    "adamax": {"learning_rate": 0.01, "b1": 0.8, "b2": 0.99, "eps": 1e-6, "weight_decay": 0.01},
    "nadam": {
        "learning_rate": 0.01,
        "b1": 0.8,
        "b2": 0.99,
        "eps": 1e-6,
        "momentum_decay": 0.01,
        "weight_decay": 0.01,
    },
}


def _trajectory(opt, params, curv, noise):
    def body(carry, noise_t):
        p, state = carry
        grads = jax.tree.map(lambda c, x, n: c * x + n, curv, p, noise_t)
        updates, state = opt.update(grads, state, p)
        p = optax.apply_updates(p, updates)
        return (p, state), p

    return jax.lax.scan(body, (params, opt.init(params)), noise)[1]


def _population(factory, table, prob, static=()):
    """jit(vmap) over the rows of ``table``; the problem is shared by every trial."""

    @jax.jit
    def run(hp, params, curv, noise):
        return _trajectory(factory(**hp, **dict(static)), params, curv, noise)

    batched = jax.vmap(run, in_axes=(0, None, None, None))
    return batched({k: jnp.asarray(v, jnp.float32) for k, v in table.items()}, *prob)


def _single(factory, row, prob):
    """One trial with its hyperparameters as Python floats (constants in its own program)."""
    return jax.jit(lambda p, c, n: _trajectory(factory(**row), p, c, n))(*prob)


def _prob(steps=10):
    return jax.tree.map(jnp.asarray, problem(seed=3, dtype=np.float32, steps=steps))


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_every_hyperparameter_vmaps_like_separate_runs(name):
    base = DEFAULTS[name]
    # two rows that differ in every numeric hyperparameter at once (row 1: 0 where allowed)
    other = {
        k: (
            0.0
            if k in ("momentum", "dampening", "weight_decay", "lr_decay", "b1")
            else v * 1.5
            if k in ("learning_rate", "eps")
            else v * 0.9
        )
        for k, v in base.items()
    }
    table = {k: [base[k], other[k]] for k in base}
    prob = _prob()
    pop = _population(getattr(jo, name), table, prob)
    for i, row in enumerate((base, other)):
        single = _single(getattr(jo, name), row, prob)
        for leaf_pop, leaf_single in zip(pop, single, strict=True):
            np.testing.assert_allclose(leaf_pop[i], leaf_single, rtol=2e-6, atol=2e-7)


@pytest.mark.parametrize("nesterov", [False, True])
def test_lr_momentum_table_matches_separate_runs(nesterov):
    lrs, mus = [0.01, 0.1], ([0.0, 0.5, 0.9] if not nesterov else [0.5, 0.9])
    rows = [{"learning_rate": lr, "momentum": mu} for lr in lrs for mu in mus]
    table = {k: [r[k] for r in rows] for k in rows[0]}
    prob = _prob()
    pop = _population(jo.sgd, table, prob, static=(("nesterov", nesterov),))
    for i, row in enumerate(rows):
        single = _single(functools.partial(jo.sgd, nesterov=nesterov), row, prob)
        for leaf_pop, leaf_single in zip(pop, single, strict=True):
            np.testing.assert_allclose(leaf_pop[i], leaf_single, rtol=2e-6, atol=2e-7)


def test_new_values_are_traced_once():
    traces = []

    def run(lr, mu, wd, params, curv, noise):
        traces.append(1)  # Python side effect: runs once per trace, never per call
        return _trajectory(jo.sgd(lr, momentum=mu, weight_decay=wd), params, curv, noise)

    program = jax.jit(jax.vmap(run, in_axes=(0, 0, 0, None, None, None)))
    prob = _prob()
    a = program(jnp.array([0.1, 0.2]), jnp.array([0.0, 0.0]), jnp.array([0.0, 0.1]), *prob)
    b = program(jnp.array([0.3, 0.01]), jnp.array([0.9, 0.5]), jnp.array([0.0, 0.0]), *prob)
    assert len(traces) == 1
    assert not np.allclose(a[0], b[0])  # the new values were used


def test_inject_hyperparams_scenario_traced_momentum():
    """The pattern where optax.inject_hyperparams(optax.sgd) is reported to break: the
    optimizer built inside vmap from traced (lr, momentum), state from outside."""
    p, g = jnp.zeros(3), jnp.ones(3)
    state = jo.sgd(0.1, momentum=0.9).init(p)

    def two_steps(lr, mu):
        opt = jo.sgd(lr, momentum=mu)
        u1, s = opt.update(g, state, p)
        u2, _ = opt.update(g, s, p + u1)
        return p + u1 + u2

    lrs = jnp.array([0.1, 0.1, 0.2, 0.2])
    mus = jnp.array([0.0, 0.9, 0.0, 0.9])
    got = jax.jit(jax.vmap(two_steps))(lrs, mus)
    # closed form: b1 = g, b2 = mu g + g, p2 = -lr g (2 + mu)
    expected = -np.asarray(lrs)[:, None] * (2 + np.asarray(mus))[:, None] * np.ones(3)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_schedule_parameters_vmap_and_follow_closed_form():
    """with_schedule(sgd, policy) under vmap; p_T = p_0 - sum_t lr_t for a unit gradient."""
    make = jo.with_schedule(jo.sgd, sch.policy)
    table = {
        "learning_rate": np.array([0.1, 0.1, 0.2, 0.05]),
        "decay": np.array([1.0, 0.5, 0.8, 0.9]),
        "cycle_epochs": np.array([0.0, 0.0, 2.0, 3.0]),
        "cycle_high": np.array([1.0, 1.0, 2.0, 2.0]),
        "cycle_low": np.array([1.0, 1.0, 0.5, 0.5]),
        "steps_per_epoch": np.array([1.0, 2.0, 3.0, 4.0]),
    }
    steps = 25

    def run(hp):
        opt = make(**hp)

        def body(carry, _):
            p, s = carry
            u, s = opt.update(jnp.ones(()), s, p)
            return (p + u, s), None

        return jax.lax.scan(body, (jnp.zeros(()), opt.init(jnp.zeros(()))), None, steps)[0][0]

    got = jax.jit(jax.vmap(run))({k: jnp.asarray(v, jnp.float32) for k, v in table.items()})
    for i in range(4):
        lr, a, m, hi, lo, spe = (table[k][i] for k in table)
        total = 0.0
        for t in range(steps):
            epoch = t / spe
            cycle = hi + (lo - hi) * ((epoch % m) / m) if m > 0 else 1.0
            total += lr * a ** np.floor(epoch) * cycle
        np.testing.assert_allclose(got[i], -total, rtol=1e-5)


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_dtype_is_kept(name):
    params = {"a": jnp.ones((2, 3), jnp.float32), "b": jnp.ones(4, jnp.bfloat16)}
    grads = jax.tree.map(lambda x: jnp.full_like(x, 0.5), params)
    hp = {k: np.asarray(v, np.float64) for k, v in DEFAULTS[name].items()}  # float64 arrays
    with jax.enable_x64(True):
        opt = getattr(jo, name)(**hp)
        state = opt.init(params)
        updates, state = opt.update(grads, state, params)
        updates, state = opt.update(grads, state, params)
    for leaf, u in zip(jax.tree.leaves(params), jax.tree.leaves(updates), strict=True):
        assert u.dtype == leaf.dtype
    moments = [f for f in state if jax.tree.structure(f) == jax.tree.structure(params)]
    assert moments
    for moment in moments:
        for leaf, m in zip(jax.tree.leaves(params), jax.tree.leaves(moment), strict=True):
            assert m.dtype == leaf.dtype
    assert state.count.dtype == jnp.int32 and int(state.count) == 2


def test_update_without_params_only_when_weight_decay_is_concretely_zero():
    g = jnp.ones(3)
    opt = jo.adam(0.1)
    updates, _ = opt.update(g, opt.init(g))  # weight_decay == 0.0: params may be omitted
    np.testing.assert_allclose(updates, -0.1 * np.ones(3), rtol=1e-6)
    for opt in (jo.sgd(0.1, weight_decay=0.1), jo.adamw(0.1)):
        with pytest.raises(ValueError, match="weight_decay"):
            opt.update(g, opt.init(g))

    def traced(wd):
        opt = jo.sgd(0.1, weight_decay=wd)
        return opt.update(g, opt.init(g))[0]

    with pytest.raises(ValueError, match="weight_decay"):
        jax.jit(traced)(0.0)
