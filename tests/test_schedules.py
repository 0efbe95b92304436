"""Learning-rate schedules against torch.optim.lr_scheduler and closed forms evaluated in plain
Python, under vmap over their parameters, and with guarded edge cases."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import jaxscape.schedules as sch

STEPS = 60
# float32 schedules against float64 references: 2e-6 relative, and an absolute floor of about
# one float32 ulp of the peak rates used here (cosine annealing near its minimum cancels)
ATOL = 3e-8


def _ours(schedule, n=STEPS):
    """Values at steps 0..n-1, evaluated as an optimizer does: int32 steps inside jit."""
    return np.asarray(jax.jit(jax.vmap(schedule))(jnp.arange(n, dtype=jnp.int32)))


def _torch(make, n=STEPS, lr=1.0):
    """``param_groups[0]['lr']`` seen by optimizer steps 0..n-1 under a torch scheduler."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    scheduler = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return np.asarray(out)


lr_sched = torch.optim.lr_scheduler

TORCH_PAIRS = [
    ("step", sch.step_decay(0.5, 0.7, 4), lambda o: lr_sched.StepLR(o, 4, gamma=0.7), 0.5),
    (
        "exponential",
        sch.exponential_decay(0.5, 0.95),
        lambda o: lr_sched.ExponentialLR(o, 0.95),
        0.5,
    ),
    (
        "triangular",
        sch.triangular(0.01, 0.1, 7),
        lambda o: lr_sched.CyclicLR(o, 0.01, 0.1, step_size_up=7, cycle_momentum=False),
        0.01,
    ),
    (
        "one-cycle-cos",
        sch.one_cycle(0.3, STEPS),
        lambda o: lr_sched.OneCycleLR(o, 0.3, total_steps=STEPS, cycle_momentum=False),
        0.3,
    ),
    (
        "one-cycle-linear",
        sch.one_cycle(0.3, STEPS, 0.4, 10.0, 100.0, anneal="linear"),
        lambda o: lr_sched.OneCycleLR(
            o,
            0.3,
            total_steps=STEPS,
            pct_start=0.4,
            div_factor=10.0,
            final_div_factor=100.0,
            anneal_strategy="linear",
            cycle_momentum=False,
        ),
        0.3,
    ),
    (
        "cosine",
        sch.cosine_decay(0.2, STEPS - 1, 0.01),
        lambda o: lr_sched.CosineAnnealingLR(o, STEPS - 1, eta_min=0.01),
        0.2,
    ),
    (
        "sgdr",
        sch.cosine_decay(0.2, 7, 0.01, restarts=True),
        lambda o: lr_sched.CosineAnnealingWarmRestarts(o, 7, eta_min=0.01),
        0.2,
    ),
    (
        "sgdr-mult-2",
        sch.cosine_decay(0.2, 3, restarts=True, period_mult=2.0),
        lambda o: lr_sched.CosineAnnealingWarmRestarts(o, 3, T_mult=2),
        0.2,
    ),
    (
        "sgdr-mult-3",
        sch.cosine_decay(0.2, 2, 0.05, restarts=True, period_mult=3.0),
        lambda o: lr_sched.CosineAnnealingWarmRestarts(o, 2, T_mult=3, eta_min=0.05),
        0.2,
    ),
    (
        "linear",
        sch.linear_ramp(0.2 * 0.1, 0.2 * 0.9, 21),
        lambda o: lr_sched.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=20),
        0.2,
    ),
]


@pytest.mark.parametrize(
    ("label", "ours", "make", "lr"), TORCH_PAIRS, ids=[p[0] for p in TORCH_PAIRS]
)
def test_matches_torch_lr_scheduler(label, ours, make, lr):
    np.testing.assert_allclose(_ours(ours), _torch(make, lr=lr), rtol=2e-6, atol=ATOL)


def _sgdr_loop(lr, period, mult, low, n):
    """SGDR by stepping (T_cur, T_i) one step at a time, for real-valued multipliers."""
    out, t_cur, t_i = [], 0.0, float(period)
    for _ in range(n):
        out.append(low + (lr - low) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
        t_cur += 1
        while t_cur >= t_i:
            t_cur -= t_i
            t_i *= mult
    return np.asarray(out)


def _sawtooth(t, m, hi, lo, spe, shape="linear"):
    u = ((t / spe) % m) / m
    return hi + (lo - hi) * u if shape == "linear" else hi * (lo / hi) ** u


CLOSED_FORMS = [
    ("constant", sch.constant(0.3), lambda t: 0.3),
    (
        "inverse-time",
        sch.inverse_time_decay(0.5, 0.1, 0.75),
        lambda t: 0.5 * (1 + 0.1 * t) ** -0.75,
    ),
    ("power-decay", sch.power_decay(0.5, 0.9, steps_per_epoch=7), lambda t: 0.5 * 0.9 ** (t // 7)),
    (
        "sawtooth",
        sch.sawtooth(0.1, 3, steps_per_epoch=4),
        lambda t: 0.1 * _sawtooth(t, 3, 2.0, 0.5, 4),
    ),
    (
        "sawtooth-exp",
        sch.sawtooth(0.1, 2.5, high=3.0, low=0.2, steps_per_epoch=3, shape="exponential"),
        lambda t: 0.1 * _sawtooth(t, 2.5, 3.0, 0.2, 3, "exponential"),
    ),
    ("policy-constant", sch.policy(0.25), lambda t: 0.25),
    (
        "policy-decay",
        sch.policy(0.25, decay=0.8, steps_per_epoch=5),
        lambda t: 0.25 * 0.8 ** (t // 5),
    ),
    (
        "policy-cyclical",
        sch.policy(0.25, cycle_epochs=4, cycle_high=2.0, cycle_low=0.5, steps_per_epoch=3),
        lambda t: 0.25 * _sawtooth(t, 4, 2.0, 0.5, 3),
    ),
    (
        "policy-both",
        sch.policy(
            0.25, decay=0.9, cycle_epochs=2, cycle_high=2.0, cycle_low=0.5, steps_per_epoch=3
        ),
        lambda t: 0.25 * 0.9 ** (t // 3) * _sawtooth(t, 2, 2.0, 0.5, 3),
    ),
    (
        "warmup",
        sch.linear_warmup(sch.exponential_decay(0.4, 0.9), 10, start_factor=0.1),
        lambda t: 0.4 * (0.1 + 0.9 * t / 10) if t < 10 else 0.4 * 0.9 ** (t - 10),
    ),
    ("warmup-constant", sch.linear_warmup(0.4, 8), lambda t: 0.4 * min(t / 8, 1.0)),
    (
        "exponential-ramp",
        sch.exponential_ramp(1e-5, 10.0, 50),
        lambda t: 1e-5 * (10.0 / 1e-5) ** (min(t, 49) / 49),
    ),
    (
        "sgdr-mult-1.5",
        sch.cosine_decay(0.3, 4, 0.01, restarts=True, period_mult=1.5),
        lambda t: _sgdr_loop(0.3, 4, 1.5, 0.01, STEPS)[t],
    ),
]


@pytest.mark.parametrize(
    ("label", "ours", "formula"), CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS]
)
def test_matches_closed_form(label, ours, formula):
    expected = np.asarray([formula(t) for t in range(STEPS)])
    np.testing.assert_allclose(_ours(ours), expected, rtol=2e-6, atol=ATOL)


def test_power_decay_alpha_reaches_two_thirds_at_the_plateau():
    for m in (1, 5, 12.5):
        alpha = sch.power_decay_alpha(m)
        np.testing.assert_allclose(alpha**m, 2 / 3, rtol=1e-12)
    np.testing.assert_allclose(sch.power_decay_alpha(np.array([2.0, 4.0])) ** [2, 4], 2 / 3)


def test_policy_compares_three_policies_in_one_vmapped_batch():
    m, spe, lr = 4.0, 5.0, 0.2
    table = {  # constant, power decay, cyclical, both; step counts traced per trial too
        "learning_rate": jnp.full(4, lr),
        "decay": jnp.array([1.0, sch.power_decay_alpha(m), 1.0, sch.power_decay_alpha(m)]),
        "cycle_epochs": jnp.array([0.0, 0.0, m, m]),
        "cycle_high": jnp.array([1.0, 1.0, 2.0, 2.0]),
        "cycle_low": jnp.array([1.0, 1.0, 0.5, 0.5]),
        "steps_per_epoch": jnp.full(4, spe),
    }
    steps = jnp.arange(STEPS, dtype=jnp.int32)
    got = jax.jit(jax.vmap(lambda hp: jax.vmap(sch.policy(**hp))(steps)))(table)
    alpha = (2 / 3) ** (1 / m)
    t = np.arange(STEPS)
    cyc = _sawtooth(t, m, 2.0, 0.5, spe)
    expected = [lr + 0 * t, lr * alpha ** (t // spe), lr * cyc, lr * alpha ** (t // spe) * cyc]
    np.testing.assert_allclose(got, np.stack(expected), rtol=2e-6)
    assert np.all(got[0] == np.float32(lr))  # the defaults are exactly constant


@pytest.mark.parametrize(
    ("make", "table", "reference"),
    [
        (
            sch.step_decay,
            {"learning_rate": [0.1, 0.2], "gamma": [0.5, 0.9], "step_size": [2, 5]},
            lambda lr, g, s, t: lr * g ** (t // s),
        ),
        (
            sch.triangular,
            {"learning_rate": [0.1, 0.0], "max_learning_rate": [1.0, 0.5], "step_size": [3, 5]},
            lambda lo, hi, s, t: lo + (hi - lo) * max(0.0, 1 - abs(t / s - 2 * (t // (2 * s)) - 1)),
        ),
        (
            sch.one_cycle,
            {"learning_rate": [0.1, 1.0], "total_steps": [30, 60], "pct_start": [0.3, 0.5]},
            None,
        ),
        (
            sch.cosine_decay,
            {"learning_rate": [0.1, 1.0], "decay_steps": [30, 50]},
            lambda lr, n, t: lr * (1 + math.cos(math.pi * min(t, n) / n)) / 2,
        ),
        (
            sch.exponential_ramp,
            {
                "learning_rate": [1e-4, 1e-3],
                "final_learning_rate": [1.0, 10.0],
                "num_steps": [20, 60],
            },
            lambda a, b, n, t: a * (b / a) ** (min(t, n - 1) / (n - 1)),
        ),
    ],
    ids=["step_decay", "triangular", "one_cycle", "cosine_decay", "exponential_ramp"],
)
def test_vmap_over_schedule_parameters(make, table, reference):
    steps = jnp.arange(STEPS, dtype=jnp.int32)
    arrays = {k: jnp.asarray(v, jnp.float32) for k, v in table.items()}
    got = jax.jit(jax.vmap(lambda hp: jax.vmap(make(**hp))(steps)))(arrays)
    for i in range(2):
        row = [table[k][i] for k in table]
        if reference is None:  # torch is the reference for one-cycle
            lr, total, pct = row
            expected = _torch(
                lambda o, total=total, pct=pct, lr=lr: lr_sched.OneCycleLR(
                    o, lr, total_steps=total, pct_start=pct, cycle_momentum=False
                ),
                n=total,
                lr=lr,
            )
            np.testing.assert_allclose(got[i, :total], expected, rtol=2e-6, atol=ATOL)
        else:
            expected = [reference(*row, t) for t in range(STEPS)]
            np.testing.assert_allclose(got[i], expected, rtol=2e-6, atol=ATOL)


def test_guarded_edges_are_exact_and_nan_free():
    def all_grads_finite(make, shape=None, **kw):
        static = {} if shape is None else {"shape": shape}

        def total(params):
            return jnp.sum(jax.vmap(make(**params, **static))(jnp.arange(40)))

        value, grads = jax.value_and_grad(total)({k: jnp.float32(v) for k, v in kw.items()})
        return bool(jnp.isfinite(value) and all(jnp.isfinite(g) for g in grads.values()))

    assert all_grads_finite(
        sch.policy, learning_rate=0.1, cycle_epochs=0.0, cycle_high=2.0, cycle_low=0.5
    )
    assert all_grads_finite(sch.one_cycle, learning_rate=0.1, total_steps=20, pct_start=0.0)
    assert all_grads_finite(sch.one_cycle, learning_rate=0.1, total_steps=20, pct_start=1.0)
    assert all_grads_finite(sch.one_cycle, learning_rate=0.1, total_steps=1)
    assert all_grads_finite(
        sch.exponential_ramp, learning_rate=0.1, final_learning_rate=1.0, num_steps=1
    )
    assert all_grads_finite(
        sch.sawtooth, learning_rate=0.1, cycle_epochs=1.0, high=0.0, low=0.0, shape="exponential"
    )
    warm = sch.linear_warmup(sch.constant(0.3), jnp.float32(0.0))
    np.testing.assert_array_equal(_ours(warm, 5), np.float32(0.3))
    one = sch.one_cycle(1.0, 10, pct_start=0.0)  # no warm-up phase, as torch
    expected = _torch(
        lambda o: lr_sched.OneCycleLR(o, 1.0, total_steps=10, pct_start=0.0, cycle_momentum=False),
        n=10,
    )
    np.testing.assert_allclose(_ours(one, 10), expected, rtol=2e-6, atol=ATOL)
    np.testing.assert_allclose(_ours(sch.cosine_decay(1.0, 5), 8)[5:], 0.0, atol=1e-7)


BAD = [
    (sch.constant, {"learning_rate": -0.1}, "learning_rate"),
    (sch.step_decay, {"learning_rate": 0.1, "gamma": 0.5, "step_size": 0}, "step_size"),
    (sch.step_decay, {"learning_rate": 0.1, "gamma": -0.5, "step_size": 2}, "gamma"),
    (sch.exponential_decay, {"learning_rate": np.nan, "gamma": 0.9}, "learning_rate"),
    (sch.inverse_time_decay, {"learning_rate": 0.1, "gamma": 0.1, "power": -1.0}, "power"),
    (
        sch.power_decay,
        {"learning_rate": 0.1, "alpha": 0.9, "steps_per_epoch": 0},
        "steps_per_epoch",
    ),
    (sch.power_decay_alpha, {"plateau_epoch": 0}, "plateau_epoch"),
    (
        sch.triangular,
        {"learning_rate": 0.1, "max_learning_rate": 1.0, "step_size": -2},
        "step_size",
    ),
    (sch.sawtooth, {"learning_rate": 0.1, "cycle_epochs": 0.0}, "cycle_epochs"),
    (sch.sawtooth, {"learning_rate": 0.1, "cycle_epochs": 2, "low": -0.5}, "low"),
    (sch.one_cycle, {"learning_rate": 0.1, "total_steps": 10, "pct_start": 1.5}, "pct_start"),
    (sch.one_cycle, {"learning_rate": 0.1, "total_steps": 0}, "total_steps"),
    (sch.one_cycle, {"learning_rate": 0.1, "total_steps": 10, "div_factor": 0.0}, "div_factor"),
    (
        sch.cosine_decay,
        {"learning_rate": 0.1, "decay_steps": 10, "period_mult": 0.5},
        "period_mult",
    ),
    (
        sch.cosine_decay,
        {"learning_rate": 0.1, "decay_steps": np.array([10, 0])},
        r"decay_steps.*index 1",
    ),
    (sch.linear_warmup, {"schedule": 0.1, "warmup_steps": -1}, "warmup_steps"),
    (sch.linear_warmup, {"schedule": 0.1, "warmup_steps": 5, "start_factor": 2.0}, "start_factor"),
    (
        sch.exponential_ramp,
        {"learning_rate": 0.0, "final_learning_rate": 1.0, "num_steps": 10},
        "learning_rate",
    ),
    (
        sch.linear_ramp,
        {"learning_rate": 0.0, "final_learning_rate": 1.0, "num_steps": 0},
        "num_steps",
    ),
    (sch.policy, {"learning_rate": 0.1, "cycle_epochs": -1.0}, "cycle_epochs"),
    (sch.policy, {"learning_rate": 0.1, "decay": np.inf}, "decay"),
    (sch.policy, {"learning_rate": 0.1, "cycle_shape": "cosine"}, "cycle_shape"),
    (sch.one_cycle, {"learning_rate": 0.1, "total_steps": 10, "anneal": "cosine"}, "anneal"),
]


@pytest.mark.parametrize(
    ("make", "kwargs", "match"), BAD, ids=[f"{m.__name__}-{i}" for i, (m, _, _) in enumerate(BAD)]
)
def test_bad_values_raise_naming_the_argument(make, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


def test_bad_types_raise_type_error():
    with pytest.raises(TypeError, match="restarts"):
        sch.cosine_decay(0.1, 10, restarts=jnp.array(True))
    with pytest.raises(TypeError, match="gamma"):
        sch.exponential_decay(0.1, lambda t: 0.9)
