"""Learning-rate schedules as pure functions ``step -> value``.

Each function here takes the schedule's parameters and returns ``schedule(step)``, where
``step`` is the number of optimizer updates already applied (0 first, an int32 array inside an
optimizer). Every numeric parameter, step counts such as ``steps_per_epoch`` included, may be a
Python number, an array or a traced value, so a population can vary its schedule per trial
under ``jax.vmap``; only choices of shape (``anneal``, ``restarts``, ``shape``) are static.
Concrete bad values raise ``ValueError``/``TypeError`` naming the argument. Schedules whose first
parameter is ``learning_rate`` plug into :func:`jaxscape.optim.with_schedule`.

A schedule is a closure over its parameters, and that is its description: a sweep checkpoint
identifies a schedule (this module's or a user's closure or ``lambda``) by its function's source
and the values its closure holds, so ``cosine_decay(0.1, 100)`` and ``cosine_decay(0.1, 200)``
are different sweeps and a checkpoint of one refuses the other, naming the parameter
(``jaxscape.population._identity``).

>>> import jax, jax.numpy as jnp
>>> import jaxscape.schedules as sch
>>> rates = jax.vmap(lambda a: sch.power_decay(1.0, a, steps_per_epoch=10)(25))
>>> rates(jnp.array([1.0, 0.5])).tolist()
[1.0, 0.25]
"""

from __future__ import annotations

from jaxscape.schedules.cosine import cosine_decay
from jaxscape.schedules.cyclical import sawtooth, triangular
from jaxscape.schedules.decay import (
    constant,
    exponential_decay,
    inverse_time_decay,
    power_decay,
    power_decay_alpha,
    step_decay,
)
from jaxscape.schedules.one_cycle import one_cycle
from jaxscape.schedules.policy import policy
from jaxscape.schedules.range_test import exponential_ramp, linear_ramp
from jaxscape.schedules.warmup import linear_warmup

__all__ = [
    "constant",
    "cosine_decay",
    "exponential_decay",
    "exponential_ramp",
    "inverse_time_decay",
    "linear_ramp",
    "linear_warmup",
    "one_cycle",
    "policy",
    "power_decay",
    "power_decay_alpha",
    "sawtooth",
    "step_decay",
    "triangular",
]
