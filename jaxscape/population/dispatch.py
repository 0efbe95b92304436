"""How many training steps one compiled call advances: a long scan, or one step per call.

On an accelerator, and on a CPU for dense models, a window's steps run fastest as one
``lax.scan`` inside one compiled call (one dispatch per window). XLA:CPU is different for
convolutions: inside a loop (``while``, which ``lax.scan`` lowers to) a convolution's input
gradient runs about 3.5x and its weight (filter) gradient 70-86x slower than the same
computation compiled on its own and dispatched from Python
(``shared/anchors/conv_grad_in_loop.py``). Outside a loop XLA:CPU hands convolutions to its
runtime library kernels (Eigen/oneDNN); a convolution inside a while body is not given that
treatment for the transposed (gradient) forms, so they fall back to a slow generic emitter.
So on a CPU a model with a convolution advances **one step per call**, with no loop in the
program at all, and the host keeps the device busy by dispatching the next step before the
previous one finishes (JAX's asynchronous dispatch; batch indices are prepared on the host
ahead of each call).

Both paths compute the same steps from the same state: the numbers agree to float rounding
(XLA may fuse a step differently inside and outside a loop), which
``tests/population/test_programs.py`` checks.

The rule can be overridden with the environment variable ``JAXSCAPE_STEPS_PER_CALL``: ``1``
(one step per call), ``window`` (one scan per recording window) or ``auto`` (the rule).

>>> from jaxscape.population.dispatch import has_convolution
>>> import jax, jax.numpy as jnp
>>> has_convolution(lambda x: jnp.tanh(x) * 2, jnp.ones(3))
False
"""

from __future__ import annotations

import os
from typing import Any

import jax
from jax.extend.core import jaxprs_in_params

#: Environment variable that overrides the rule (``1``, ``window`` or ``auto``).
ENV = "JAXSCAPE_STEPS_PER_CALL"

_CONV = "conv_general_dilated"


def _jaxpr_has(jaxpr: Any, name: str) -> bool:
    for eqn in jaxpr.eqns:
        if eqn.primitive.name == name:
            return True
        for sub in jaxprs_in_params(eqn.params):
            if _jaxpr_has(sub, name):
                return True
    return False


def has_convolution(fn: Any, *args: Any) -> bool:
    """Whether ``fn(*args)`` (traced abstractly, nothing computed) contains a convolution."""
    closed = jax.make_jaxpr(fn)(*args)
    return _jaxpr_has(closed.jaxpr, _CONV)


def loops_slow(platform: str, convolution: bool) -> bool:
    """Whether a model's steps run faster dispatched one per call than inside any loop: a
    convolution on XLA:CPU (see the module docstring), unless :data:`ENV` says otherwise.

    >>> loops_slow("cpu", convolution=True), loops_slow("cpu", False), loops_slow("gpu", True)
    (True, False, False)
    """
    mode = os.environ.get(ENV, "auto").strip().lower()
    if mode not in ("auto", "1", "window"):
        raise ValueError(f"{ENV} must be 'auto', '1' or 'window', got {mode!r}")
    if mode != "auto":
        return mode == "1"
    return platform == "cpu" and convolution
