"""The tuning lecture's conditional space: a solver with its own parameters × a rate policy."""

from __future__ import annotations

from jaxscape.search import params as P
from jaxscape.search.space import Space, choice


def seeds_space() -> Space:
    """Solver ∈ {SGD with momentum, Adam (β1, β2), RMSProp (decay), Adadelta (ρ)}, each with
    its own learning-rate range; rate policy ∈ {fixed, exponential (γ), inverse (γ, power),
    step (γ, step size)}: 16 structures, each a population of its own.

    >>> space = seeds_space()
    >>> len(space.group(space.sample(400, seed=0)))
    16
    """
    return Space(
        {
            "solver": choice(
                {
                    "sgd": {
                        "learning_rate": P.log_uniform(1e-3, 1.0),
                        "momentum": P.reverse_log_uniform(0.5, 0.99),
                    },
                    "adam": {
                        "learning_rate": P.log_uniform(1e-5, 1e-2),
                        "b1": P.reverse_log_uniform(0.8, 0.99),
                        "b2": P.reverse_log_uniform(0.9, 0.9999),
                    },
                    "rmsprop": {
                        "learning_rate": P.log_uniform(1e-5, 1e-2),
                        "decay": P.uniform(0.8, 0.999),
                    },
                    "adadelta": {
                        "learning_rate": P.log_uniform(1e-2, 10.0),
                        "rho": P.uniform(0.8, 0.99),
                    },
                }
            ),
            "policy": choice(
                {
                    "fixed": {},
                    "exponential": {"gamma": P.reverse_log_uniform(0.9, 0.9999)},
                    "inverse": {"gamma": P.log_uniform(1e-5, 1e-2), "power": P.uniform(0.5, 1)},
                    "step": {"gamma": P.uniform(0.1, 0.9), "step_size": P.int_uniform(10, 100)},
                }
            ),
        }
    )
