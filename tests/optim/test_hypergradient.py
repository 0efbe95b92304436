"""Hypergradient descent (sgd_hd, adam_hd) against a direct NumPy implementation of the paper's
equations (Baydin et al., ICLR 2018), against sgd/adam at beta = 0, vmapped grids against
separate runs, validation, and a population sweep through the engine."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from optim_cases import problem

import jaxscape as js
import jaxscape.optim as jo

STEPS = 20


# ----------------------------------------------------------------- the paper, in float64 NumPy


def _dot(a, b) -> float:
    return float(sum(np.vdot(x, y) for x, y in zip(a, b, strict=True)))


def numpy_sgd_hd(params, curv, noise, lr, beta, momentum=0.0, nesterov=False, damp=0.0, wd=0.0):
    """SGD-HD / SGDN-HD (Algorithms 1-2 and the authors' SGDHD): params and rates per step."""
    p = [x.copy() for x in params]
    alpha, d_prev, buf = lr, [np.zeros_like(x) for x in p], None
    traj, rates = [], []
    for t in range(len(noise[0])):
        g = [c * x + n[t] + wd * x for c, x, n in zip(curv, p, noise, strict=True)]
        alpha = alpha + beta * _dot(g, d_prev)  # the rate moves first
        if momentum == 0:
            d = g
        else:
            buf = (
                g
                if t == 0
                else [momentum * b + (1 - damp) * gi for b, gi in zip(buf, g, strict=True)]
            )
            d = [gi + momentum * b for gi, b in zip(g, buf, strict=True)] if nesterov else buf
        p = [x - alpha * di for x, di in zip(p, d, strict=True)]
        d_prev = d
        traj.append(p)
        rates.append(alpha)
    return [np.stack(leaf) for leaf in zip(*traj, strict=True)], np.array(rates)


def numpy_adam_hd(params, curv, noise, lr, beta, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
    """Adam-HD (Algorithm 3): params and rates per step."""
    p = [x.copy() for x in params]
    alpha, d_prev = lr, [np.zeros_like(x) for x in p]
    m, v = [np.zeros_like(x) for x in p], [np.zeros_like(x) for x in p]
    traj, rates = [], []
    for t in range(1, len(noise[0]) + 1):
        g = [c * x + n[t - 1] + wd * x for c, x, n in zip(curv, p, noise, strict=True)]
        alpha = alpha + beta * _dot(g, d_prev)
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g, strict=True)]
        v = [b2 * vi + (1 - b2) * gi**2 for vi, gi in zip(v, g, strict=True)]
        d = [
            (mi / (1 - b1**t)) / (np.sqrt(vi / (1 - b2**t)) + eps)
            for mi, vi in zip(m, v, strict=True)
        ]
        p = [x - alpha * di for x, di in zip(p, d, strict=True)]
        d_prev = d
        traj.append(p)
        rates.append(alpha)
    return [np.stack(leaf) for leaf in zip(*traj, strict=True)], np.array(rates)


# ----------------------------------------------------------------------------- jaxscape runs


def _trajectory(factory, static, numeric, params, curv, noise):
    """Trajectory ``[T, ...]`` per leaf of ``g_t = curv * p + noise_t`` and the rates ``[T]``
    (``[]`` for optimizers without a learned rate); numeric hyperparameters are traced."""
    opt = factory(**numeric, **dict(static))

    def body(carry, noise_t):
        p, state = carry
        grads = jax.tree.map(lambda c, x, n: c * x + n, curv, p, noise_t)
        updates, state = opt.update(grads, state, p)
        p = optax.apply_updates(p, updates)
        return (p, state), (p, getattr(state, "learning_rate", jnp.zeros([])))

    return jax.lax.scan(body, (params, opt.init(params)), noise)[1]


_run = jax.jit(_trajectory, static_argnames=("factory", "static"))


def _jax(factory, hp, prob, static=()):
    numeric = {k: jnp.asarray(v, jnp.float32) for k, v in hp.items()}
    arrays = jax.tree.map(lambda x: jnp.asarray(x, jnp.float32), prob)
    traj, rates = _run(factory, tuple(static), numeric, *arrays)
    return [np.asarray(t) for t in traj], np.asarray(rates)


SGD_CASES = [
    {"learning_rate": 0.05, "hypergrad_lr": 0.01},
    {"learning_rate": 0.02, "hypergrad_lr": 0.005, "momentum": 0.9},
    {"learning_rate": 0.02, "hypergrad_lr": 0.005, "momentum": 0.9, "nesterov": True},
    {"learning_rate": 0.02, "hypergrad_lr": 0.005, "momentum": 0.7, "dampening": 0.3},
    {"learning_rate": 0.05, "hypergrad_lr": 0.01, "momentum": 0.5, "weight_decay": 0.1},
]
ADAM_CASES = [
    {"learning_rate": 0.05, "hypergrad_lr": 1e-3},
    {"learning_rate": 0.02, "hypergrad_lr": 1e-3, "b1": 0.5, "b2": 0.9, "eps": 1e-3},
    {"learning_rate": 0.05, "hypergrad_lr": 5e-4, "weight_decay": 0.1},
]
# jaxscape keyword -> keyword of the NumPy references
_NP_NAMES = {
    "learning_rate": "lr",
    "hypergrad_lr": "beta",
    "dampening": "damp",
    "weight_decay": "wd",
}


def _split(hp):
    return {k: v for k, v in hp.items() if k != "nesterov"}, tuple(
        (k, v) for k, v in hp.items() if k == "nesterov"
    )


def _check_against_numpy(factory, reference, hp):
    prob = problem(seed=1, steps=STEPS)
    numeric, static = _split(hp)
    traj, rates = _jax(factory, numeric, prob, static)
    ref_traj, ref_rates = reference(*prob, **{_NP_NAMES.get(k, k): v for k, v in hp.items()})
    # the rate really moved, so the comparison tests the hypergradient
    assert abs(ref_rates[-1] - hp["learning_rate"]) > 0.2 * hp["learning_rate"]
    np.testing.assert_allclose(rates, ref_rates, rtol=2e-4)
    for leaf, ref in zip(traj, ref_traj, strict=True):
        np.testing.assert_allclose(leaf, ref, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("hp", SGD_CASES, ids=lambda hp: "-".join(map(str, hp.items())))
def test_sgd_hd_follows_the_papers_equations(hp):
    _check_against_numpy(jo.sgd_hd, numpy_sgd_hd, hp)


@pytest.mark.parametrize("hp", ADAM_CASES, ids=lambda hp: "-".join(map(str, hp.items())))
def test_adam_hd_follows_the_papers_equations(hp):
    _check_against_numpy(jo.adam_hd, numpy_adam_hd, hp)


def test_first_step_uses_the_initial_rate():
    """d_0 = 0: the first update is the plain optimizer's at alpha_0, whatever beta."""
    g, p = jnp.array([3.0, -1.0]), jnp.array([1.0, 1.0])
    for opt, first_update in (
        (jo.sgd_hd(0.1, 10.0), -0.1 * g),
        (jo.adam_hd(0.1, 10.0), -0.1 * jnp.sign(g)),
    ):
        updates, state = opt.update(g, opt.init(p), p)
        assert float(state.learning_rate) == pytest.approx(0.1)
        np.testing.assert_allclose(updates, first_update, rtol=1e-6)


@pytest.mark.parametrize(
    ("hd", "plain", "hp", "static"),
    [
        (jo.sgd_hd, jo.sgd, {"learning_rate": 0.05}, ()),
        (jo.sgd_hd, jo.sgd, {"learning_rate": 0.05, "momentum": 0.9, "dampening": 0.2}, ()),
        (jo.sgd_hd, jo.sgd, {"learning_rate": 0.05, "momentum": 0.9}, (("nesterov", True),)),
        (jo.sgd_hd, jo.sgd, {"learning_rate": 0.05, "weight_decay": 0.1}, ()),
        (jo.adam_hd, jo.adam, {"learning_rate": 0.01, "b1": 0.8, "eps": 1e-6}, ()),
        (jo.adam_hd, jo.adam, {"learning_rate": 0.01, "weight_decay": 0.1}, ()),
    ],
)
def test_zero_hypergradient_rate_is_the_plain_optimizer(hd, plain, hp, static):
    prob = problem(seed=2, steps=STEPS)
    ours, rates = _jax(hd, {**hp, "hypergrad_lr": 0.0}, prob, static)
    theirs, _ = _jax(plain, hp, prob, static)
    np.testing.assert_array_equal(rates, np.float32(hp["learning_rate"]))
    for a, b in zip(ours, theirs, strict=True):  # the same arithmetic: bit for bit
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("factory", "extra", "lrs", "betas"),
    [
        (
            jo.sgd_hd,
            {"momentum": [0.0, 0.5, 0.9, 0.3], "dampening": [0.0, 0.1], "weight_decay": [0.0, 0.1]},
            [0.01, 0.05, 0.1],
            [0.0, 0.003, 0.01],
        ),
        (
            jo.adam_hd,
            {"b1": [0.0, 0.8, 0.9, 0.5], "b2": [0.99, 0.9], "eps": [1e-8, 1e-4, 1e-3]},
            [0.01, 0.03, 0.1],
            [0.0, 1e-4, 1e-3],
        ),
    ],
)
def test_vmapped_grid_equals_separate_runs(factory, extra, lrs, betas):
    """An alpha_0 x beta grid, the other hyperparameters cycling through values, as one
    vmapped population: every trial equals its own run with Python-float hyperparameters."""
    table = js.grid(learning_rate=lrs, hypergrad_lr=betas)
    table.update({k: np.resize(v, len(table["learning_rate"])) for k, v in extra.items()})
    prob = jax.tree.map(jnp.asarray, problem(seed=3, dtype=np.float32, steps=10))

    @jax.jit
    def run(hp, params, curv, noise):
        return _trajectory(factory, (), hp, params, curv, noise)

    batched = jax.vmap(run, in_axes=(0, None, None, None))
    pop, pop_rates = batched({k: jnp.asarray(v, jnp.float32) for k, v in table.items()}, *prob)
    for i in range(len(table["learning_rate"])):
        row = {k: float(v[i]) for k, v in table.items()}
        single, rates = jax.jit(lambda p, c, n, row=row: _trajectory(factory, (), row, p, c, n))(
            *prob
        )
        np.testing.assert_allclose(pop_rates[i], rates, rtol=2e-6)
        for leaf_pop, leaf in zip(pop, single, strict=True):
            np.testing.assert_allclose(leaf_pop[i], leaf, rtol=2e-6, atol=2e-7)


BAD = [
    (jo.sgd_hd, {"learning_rate": -0.1}, "learning_rate"),
    (jo.sgd_hd, {"learning_rate": np.nan}, "learning_rate"),
    (jo.sgd_hd, {"hypergrad_lr": -1e-3}, "hypergrad_lr"),
    (jo.sgd_hd, {"hypergrad_lr": np.inf}, "hypergrad_lr"),
    (jo.sgd_hd, {"momentum": 1.0}, "momentum"),
    (jo.sgd_hd, {"dampening": -0.1}, "dampening"),
    (jo.sgd_hd, {"weight_decay": -1e-3}, "weight_decay"),
    (jo.sgd_hd, {"nesterov": True}, "momentum"),
    (jo.sgd_hd, {"hypergrad_lr": np.array([1e-3, -1.0])}, r"hypergrad_lr.*index 1"),
    (jo.adam_hd, {"learning_rate": -1e-3}, "learning_rate"),
    (jo.adam_hd, {"hypergrad_lr": -1e-7}, "hypergrad_lr"),
    (jo.adam_hd, {"b1": 1.0}, "b1"),
    (jo.adam_hd, {"b2": -0.1}, "b2"),
    (jo.adam_hd, {"eps": 0.0}, "eps"),
    (jo.adam_hd, {"weight_decay": np.inf}, "weight_decay"),
]


@pytest.mark.parametrize(("factory", "kwargs", "match"), BAD)
def test_bad_values_raise_naming_the_argument(factory, kwargs, match):
    with pytest.raises(ValueError, match=match):
        factory(**{"learning_rate": 0.1, **kwargs})


def test_a_schedule_or_an_array_flag_is_a_type_error():
    with pytest.raises(TypeError, match="learning_rate"):
        jo.sgd_hd(lambda step: 0.1)
    with pytest.raises(TypeError, match="nesterov"):
        jo.sgd_hd(0.1, momentum=0.9, nesterov=jnp.array(True))


def test_traced_hyperparameters_are_not_checked_and_do_not_retrace():
    traces = []

    @jax.jit
    def step(lr, beta, p):
        traces.append(1)
        opt = jo.adam_hd(lr, beta)
        return opt.update(p, opt.init(p), p)[1].learning_rate

    for lr, beta in ((0.1, 0.0), (0.2, 1e-3), (0.0, 0.5)):
        step(jnp.float32(lr), jnp.float32(beta), jnp.ones(3))
    assert len(traces) == 1


def test_sweep_over_initial_rate_and_hypergradient_rate():
    """A population through the engine: each trial's loss curve equals the NumPy SGD-HD on a
    quadratic (beta = 0 is plain GD), and HD rescues a too-small initial rate."""
    a = np.array([4.0, 1.0, 0.25])
    prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(jnp.asarray(a) * w**2), jnp.ones(3))
    table = js.grid(learning_rate=[0.01, 0.1], hypergrad_lr=[0.0, 0.01])
    res = js.sweep(prob, jo.sgd_hd, table, steps=30, eval_every=1, progress=False)
    assert res.metrics["train_loss"].shape == (4, 30)
    final = {}
    for i, (lr, beta) in enumerate(zip(table["learning_rate"], table["hypergrad_lr"], strict=True)):
        zero_noise = [np.zeros((31, 3))]
        traj, _ = numpy_sgd_hd([np.ones(3)], [a], zero_noise, lr, beta)
        losses = [0.5 * np.sum(a * w**2) for w in [np.ones(3), *traj[0]]]
        expected = np.array(losses)[res.steps - 1]
        np.testing.assert_allclose(res.metrics["train_loss"][i], expected, rtol=1e-4, atol=1e-7)
        final[(lr, beta)] = expected[-1]
    assert final[(0.01, 0.01)] < 0.5 * final[(0.01, 0.0)]
