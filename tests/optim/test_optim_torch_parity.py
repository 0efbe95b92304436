"""Every optimizer and option combination against torch.optim, step for step.

Tolerances: in float64 (``jax.enable_x64`` inside the test, torch's default dtype float64 so
its step and NAdam's momentum product are float64 too) the two agree to rounding order,
``rtol=1e-10``. In float32 the bias corrections of Adam-like methods are formed differently
(torch in Python doubles), and 30 steps of rounding differences accumulate: ``rtol=2e-5`` with
an ``atol`` of ``1e-5`` (about 20 float32 ulps of the parameters, which are O(1)).
"""

from __future__ import annotations

import jax
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from optim_cases import CASES, case_id, jax_trajectory, problem, torch_trajectory


@pytest.fixture
def float64():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        with jax.enable_x64(True):
            yield
    finally:
        torch.set_default_dtype(previous)


def _assert_close(ours, theirs, **tol):
    for t_ours, t_theirs in zip(ours, theirs, strict=True):
        assert t_ours.dtype == t_theirs.dtype
        np.testing.assert_allclose(t_ours, t_theirs, **tol)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_matches_torch_in_float64(case, float64):
    name, hp = case
    prob = problem(seed=len(case_id(case)))
    _assert_close(
        jax_trajectory(name, hp, *prob), torch_trajectory(name, hp, *prob), rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_matches_torch_in_float32(case):
    name, hp = case
    prob = problem(seed=1, dtype=np.float32)
    _assert_close(
        jax_trajectory(name, hp, *prob), torch_trajectory(name, hp, *prob), rtol=2e-5, atol=1e-5
    )


unit = st.floats(0.0, 0.95)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    lr=st.floats(1e-3, 0.3),
    mu=unit,
    damp=unit,
    wd=st.floats(0.0, 0.2),
    nesterov=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_sgd_random_hyperparameters(lr, mu, damp, wd, nesterov, seed):
    hp = {"learning_rate": lr, "momentum": mu, "dampening": damp, "weight_decay": wd}
    if nesterov:  # torch's condition for Nesterov momentum
        hp.update(nesterov=True, momentum=max(mu, 0.1), dampening=0.0)
    _compare_float64("sgd", hp, seed)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    lr=st.floats(1e-4, 0.1),
    b1=unit,
    b2=st.floats(0.5, 0.9999),
    eps=st.floats(1e-9, 1e-2),
    wd=st.floats(0.0, 0.2),
    name=st.sampled_from(["adam", "adamw", "adamax", "nadam"]),
    seed=st.integers(0, 2**16),
)
def test_adam_family_random_hyperparameters(lr, b1, b2, eps, wd, name, seed):
    hp = {"learning_rate": lr, "b1": b1, "b2": b2, "eps": eps, "weight_decay": wd}
    _compare_float64(name, hp, seed)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(
    lr=st.floats(1e-4, 0.1),
    decay=st.floats(0.1, 0.99),
    mu=unit,
    centered=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_rmsprop_random_hyperparameters(lr, decay, mu, centered, seed):
    # decay near 0 with centered=True makes v - m^2 a cancellation to ~0 in both libraries
    hp = {"learning_rate": lr, "decay": decay, "momentum": mu, "centered": centered}
    _compare_float64("rmsprop", hp, seed)


def _compare_float64(name, hp, seed):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        with jax.enable_x64(True):
            prob = problem(seed, steps=12)
            ours = jax_trajectory(name, hp, *prob)
        theirs = torch_trajectory(name, hp, *prob)
    finally:
        torch.set_default_dtype(previous)
    _assert_close(ours, theirs, rtol=1e-9, atol=1e-12)
