"""Shared test fixtures: small problems that compile in a second on a 2-core CPU."""

from __future__ import annotations

import os

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

import matplotlib

matplotlib.use("Agg")

import jax
import pytest

import jaxscape as js


@pytest.fixture(scope="session")
def digits():
    return js.data.digits()


@pytest.fixture(scope="session")
def small_mlp_problem(digits):
    """MLP 64-16-10 on the embedded digits."""
    return js.Problem.from_model(js.models.MLP(hidden=(16,)), digits)


@pytest.fixture
def key():
    return jax.random.key(0)
