"""Model-based and evolutionary search through Optuna's samplers, a batch at a time.

Each round asks the sampler for ``batch`` configurations (define-by-run suggestions of the
space, conditional branches included), trains them as populations (one per structure group)
and tells the study the ``batch`` validation scores. Samplers by name:

=========  ======================================================================
``tpe``    ``TPESampler(multivariate=True, group=True, constant_liar=True)``: the
           running trials of a batch count as bad, so a batch spreads out
``gp``     ``GPSampler`` (Gaussian process, log expected improvement)
``cmaes``  ``CmaEsSampler`` (numeric parameters; branches fall back to random)
``qmc``    ``QMCSampler`` (scrambled Sobol points)
``nsga2``  ``NSGAIISampler`` (a genetic algorithm; population = ``batch``)
``random`` ``RandomSampler``
=========  ======================================================================

Any ``optuna.samplers.BaseSampler`` instance works too (used as given). A sampler named here
is seeded with ``seed + n`` before each batch, ``n`` the trials the study already holds, so a
resumed search, or a process joining a shared one, draws new configurations rather than
replaying the first ones (QMC keeps ``seed``: its points continue one scrambled sequence, whose
position the study keeps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jaxscape.population.family import ProblemFamily
from jaxscape.population.judging import Judging
from jaxscape.population.training import Training
from jaxscape.problem import Problem
from jaxscape.search import _optuna as O
from jaxscape.search._driver import run_search, setup
from jaxscape.search.record import Record
from jaxscape.search.result import SearchResult
from jaxscape.search.space import Space

SAMPLERS = ("tpe", "gp", "cmaes", "qmc", "nsga2", "random")


def make_sampler(name: str, seed: int = 0, batch: int = 8) -> Any:
    """The Optuna sampler called ``name`` (see the module docstring), seeded.

    Example:
      >>> type(make_sampler("tpe")).__name__
      'TPESampler'
    """
    optuna = O.require_optuna()
    s = optuna.samplers
    makers = {
        "tpe": lambda: s.TPESampler(
            seed=seed,
            multivariate=True,
            group=True,
            constant_liar=True,
            n_startup_trials=min(10, batch),
        ),
        "gp": lambda: s.GPSampler(
            seed=seed, n_startup_trials=min(10, batch), warn_independent_sampling=False
        ),
        "cmaes": lambda: s.CmaEsSampler(
            seed=seed, popsize=max(batch, 2), warn_independent_sampling=False
        ),
        "qmc": lambda: s.QMCSampler(seed=seed, scramble=True, warn_independent_sampling=False),
        "nsga2": lambda: s.NSGAIISampler(seed=seed, population_size=max(batch, 2)),
        "random": lambda: s.RandomSampler(seed=seed),
    }
    if name not in makers:
        raise ValueError(
            f"sampler must be one of {list(SAMPLERS)} or an Optuna sampler, got {name!r}"
        )
    with O.quiet_warnings():
        return makers[name]()


def optuna_search(
    prob: Problem | ProblemFamily,
    space: Space,
    training: Training | int,
    *,
    budget: int,
    sampler: str | Any = "tpe",
    batch: int = 8,
    judging: Judging | None = None,
    optimizer: Callable[..., Any] | None = None,
    record: Record | None = None,
) -> SearchResult:
    """Search ``space`` with an Optuna sampler: ask ``batch``, train them as populations,
    tell ``batch`` results, until ``budget`` trials have finished.

    Args:
      sampler: a name of :data:`SAMPLERS` or an ``optuna.samplers.BaseSampler``.
      batch: configurations asked (and trained) at once.

    The other arguments are those of :func:`~jaxscape.search.random_search`; the study's
    default name is the sampler's.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> from jaxscape.search import Space, log_uniform, optuna_search
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
      >>> res = optuna_search(prob, Space({"learning_rate": log_uniform(1e-3, 1.0)}), 5,
      ...                     budget=4, batch=2, sampler="qmc")
      >>> res.n_trials, res.strategy
      (4, 'qmc')
    """
    optuna = O.require_optuna()
    if not isinstance(sampler, str | optuna.samplers.BaseSampler):
        raise TypeError(
            f"sampler must be one of {list(SAMPLERS)} or an optuna.samplers.BaseSampler, "
            f"got {type(sampler).__name__} {sampler!r}"
        )
    if isinstance(sampler, str) and sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {list(SAMPLERS)} or a sampler, got {sampler!r}")
    name = sampler if isinstance(sampler, str) else type(sampler).__name__
    s = setup(
        prob,
        space,
        training,
        budget=budget,
        batch=batch,
        judging=judging,
        optimizer=optimizer,
        record=record,
        strategy=name,
    )
    seed = s.training.seed
    chosen = make_sampler(sampler, seed, s.batch) if isinstance(sampler, str) else sampler
    reseed = None
    if isinstance(sampler, str) and sampler != "qmc":  # QMC's scramble must stay one sequence

        def reseed(n: int) -> Any:
            return make_sampler(sampler, seed + n, s.batch)

    def propose(study, trials, round_):
        return [O.suggest(t, space) for t in trials]

    return run_search(s, name, chosen, propose, reseed=reseed)
