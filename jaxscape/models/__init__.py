"""Reference models (flax NNX) and the adapters that turn a user's model into pure functions.

Flax NNX modules go through :func:`functional`; flax linen modules, equinox models and plain
``init``/``apply`` pairs become a :class:`PureModel` (:func:`linen_model`, :func:`equinox_model`,
:func:`plain_model`) whose dropout key lives in the state (:func:`key_stream`). A loss's own
table columns (``Problem.hyperparams``) pass the table's checks through :func:`table_factory`.

Architectures are *specs*: their input size and number of outputs come from the data when a
:class:`jaxscape.Problem` is built. Any callable ``rngs -> nnx.Module`` works wherever a spec does.
"""

from jaxscape.models.cnn import CNN
from jaxscape.models.columns import check_hyperparams, optimizer_columns, table_factory
from jaxscape.models.equinox import equinox_model
from jaxscape.models.functional import Functional, functional
from jaxscape.models.linear import LinearRegression, LogisticRegression
from jaxscape.models.linen import linen_model
from jaxscape.models.masked_width import WidthMLP
from jaxscape.models.mlp import MLP
from jaxscape.models.plain import plain_model
from jaxscape.models.pure import PureModel, key_stream
from jaxscape.models.spec import ModelSpec, resolve_factory

__all__ = [
    "CNN",
    "MLP",
    "Functional",
    "LinearRegression",
    "LogisticRegression",
    "ModelSpec",
    "PureModel",
    "WidthMLP",
    "check_hyperparams",
    "equinox_model",
    "functional",
    "key_stream",
    "linen_model",
    "optimizer_columns",
    "plain_model",
    "resolve_factory",
    "table_factory",
]
