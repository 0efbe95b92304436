"""Shared test fixtures: small problems that compile in a second on a 2-core CPU."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
# the CLI's persistent compilation cache: one fresh folder per test session, never the user's
os.environ.setdefault("JAXSCAPE_CACHE_DIR", tempfile.mkdtemp(prefix="jaxscape-xla-"))

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


@pytest.fixture
def compiled_names():
    """The names of the programs XLA compiles while the test runs (JAX's backend-compile
    events, e.g. ``"jit(steps)"``), in order."""
    names: list[str] = []

    def listen(event: str, seconds: float, **kw) -> None:
        if event == "/jax/core/compile/backend_compile_duration":
            names.append(kw.get("fun_name", "?"))

    jax.monitoring.register_event_duration_secs_listener(listen)
    yield names
    jax.monitoring.unregister_event_duration_listener(listen)
