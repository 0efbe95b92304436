"""Fixtures of the landscape tests: tiny problems that compile in well under a second."""

from __future__ import annotations

import pytest
from landscape_helpers import BNNet, tiny_classification

import jaxscape as js


@pytest.fixture(scope="session")
def tiny_data():
    return tiny_classification()


@pytest.fixture(scope="session")
def tiny_mlp(tiny_data):
    """MLP 5-4-3 on 90 + 30 rows (35 parameters)."""
    return js.Problem.from_model(js.models.MLP(hidden=(4,)), tiny_data)


@pytest.fixture(scope="session")
def tiny_logreg(tiny_data):
    """Logistic regression 5 -> 3 (18 parameters, positive semi-definite Hessian)."""
    return js.Problem.from_model(js.models.LogisticRegression(), tiny_data)


@pytest.fixture(scope="session")
def bn_problem(tiny_data):
    return js.Problem.from_model(lambda rngs: BNNet(rngs), tiny_data)
