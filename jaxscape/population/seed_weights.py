"""``seed_weights``: the initial weights of one seed, from one compiled program per problem.

Every population starts a trial of seed ``s`` from ``prob.init(jax.random.key(s))``. That
program is compiled once per problem (at :func:`~jaxscape.population.programs.init_options`:
on a CPU, LLVM's first optimisation level, about 3x faster to compile with the same bits as
``jax.jit(prob.init)``; ``tests/population/test_init_compile.py``) and run once per seed and
device mesh; the weights are kept, so every sweep, procedure and checkpoint digest that starts
from that seed reuses them. Procedures that need a seed's initial weights outside a population
(a line search from them, the initial metrics, the test evaluation's model state) take them
from here too, so they see the very weights the populations trained from, without compiling
flax's initialisers again eagerly at the default level.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh

from jaxscape.population.programs import compiled, init_options, memo
from jaxscape.population.sharding import replicate, trial_mesh


def seed_init(prob: Any, seed: int, mesh: Mesh) -> tuple[tuple[Any, Any], float]:
    """``(prob.init(jax.random.key(seed)), seconds compiling)``, the weights replicated on
    ``mesh``; the seconds are 0 when the program (or these weights) was ready."""
    spent = [0.0]

    def compute() -> tuple:
        arg = replicate(np.uint32(seed), mesh)
        build = lambda: lambda s: prob.init(jax.random.key(s))
        options = init_options(mesh.devices.flat[0].platform)
        exe, spent[0] = compiled("seed_init", (prob.init,), prob, build, (arg,), options=options)
        return exe(arg)

    return memo("seed_init", (prob.init, int(seed), mesh), compute), spent[0]


def seed_weights(prob: Any, seed: int) -> tuple[Any, Any]:
    """``(params, model_state)`` of ``prob.init(jax.random.key(seed))``, as every population
    of ``prob`` starts seed ``seed`` (on this process's first device, so that every process
    of a multi-host run computes it alone; see the module docstring).

    Example:
      >>> import jax, jaxscape as js
      >>> from jaxscape.population.seed_weights import seed_weights
      >>> prob = js.Problem.from_model(js.models.MLP(hidden=(8,)), js.data.digits())
      >>> params, state = seed_weights(prob, 3)
      >>> same = jax.jit(prob.init)(jax.random.key(3))[0]
      >>> all(bool((a == b).all()) for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(same)))
      True
    """
    return seed_init(prob, seed, trial_mesh(jax.local_devices()[:1]))[0]
