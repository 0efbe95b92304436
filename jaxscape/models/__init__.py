"""Reference models (flax NNX) and the adapter that turns any NNX module into pure functions.

Architectures are *specs*: their input size and number of outputs come from the data when a
:class:`jaxscape.Problem` is built. Any callable ``rngs -> nnx.Module`` works wherever a spec does.
"""

from jaxscape.models.cnn import CNN
from jaxscape.models.functional import Functional, functional
from jaxscape.models.linear import LinearRegression, LogisticRegression
from jaxscape.models.mlp import MLP
from jaxscape.models.spec import ModelSpec, resolve_factory

__all__ = [
    "CNN",
    "MLP",
    "Functional",
    "LinearRegression",
    "LogisticRegression",
    "ModelSpec",
    "functional",
    "resolve_factory",
]
