"""Optimizers as ``optax.GradientTransformation`` objects with torch.optim's exact update rules.

Every numeric hyperparameter may be a Python float, a NumPy/JAX array or a traced value, and
the learning rate may also be a schedule ``step -> value`` (e.g. from :mod:`jaxscape.schedules`),
so a population can carry one value per trial under ``jax.vmap`` and new values never cause a
new trace. Structural options (``nesterov``, ``centered``) are static bools. Bad concrete values
raise ``ValueError``/``TypeError`` naming the argument when the optimizer is built.

>>> import jax, jax.numpy as jnp
>>> import jaxscape.optim as jo
>>> def step(lr, mu, g, p):
...     opt = jo.sgd(lr, momentum=mu)
...     updates, _ = opt.update(g, opt.init(p), p)
...     return p + updates
>>> lrs, mus = jnp.array([0.1, 0.2]), jnp.array([0.0, 0.9])
>>> jax.vmap(step, (0, 0, None, None))(lrs, mus, jnp.ones(2), jnp.zeros(2)).tolist()
[[-0.10000000149011612, -0.10000000149011612], [-0.20000000298023224, -0.20000000298023224]]
"""

from __future__ import annotations

from jaxscape.optim.adadelta import AdadeltaState, adadelta
from jaxscape.optim.adagrad import AdagradState, adagrad
from jaxscape.optim.adam import AdamState, adam, adamw
from jaxscape.optim.adam_hd import adam_hd
from jaxscape.optim.adamax import AdamaxState, adamax
from jaxscape.optim.exposed import exposed_scalars
from jaxscape.optim.factories import hyperparameter_names, with_schedule
from jaxscape.optim.hypergradient import HypergradientState
from jaxscape.optim.nadam import NadamState, nadam
from jaxscape.optim.rmsprop import RmspropState, rmsprop
from jaxscape.optim.sgd import SgdState, sgd
from jaxscape.optim.sgd_hd import sgd_hd

__all__ = [
    "AdadeltaState",
    "AdagradState",
    "AdamState",
    "AdamaxState",
    "HypergradientState",
    "NadamState",
    "RmspropState",
    "SgdState",
    "adadelta",
    "adagrad",
    "adam",
    "adam_hd",
    "adamax",
    "adamw",
    "exposed_scalars",
    "hyperparameter_names",
    "nadam",
    "rmsprop",
    "sgd",
    "sgd_hd",
    "with_schedule",
]
