"""Search: spaces of hyperparameters and the strategies that explore them as populations.

* :mod:`~jaxscape.search.params` — parameter kinds: :func:`uniform`, :func:`log_uniform`,
  :func:`reverse_log_uniform`, :func:`int_uniform`, :func:`categorical`, :func:`fixed`.
* :class:`Space` and :func:`choice` — conditional spaces, batched sampling, grouping of
  configurations by structure (one population per group), TOML/JSON files.
* :func:`hyperband_brackets` and :func:`keep_top` — successive halving's arithmetic.
* Strategies, each training its batches as populations and recording every trial in an Optuna
  study (memory, SQLite or any database URL; resumable, shareable by several processes):
  :func:`random_search`, :func:`grid_search`, :func:`coarse_to_fine`, :func:`optuna_search`
  (TPE, GP, CMA-ES, QMC, NSGA-II), :func:`hyperband` (survivors continue from their own
  state); each takes a :class:`jaxscape.Training` (or an int of steps), a
  :class:`jaxscape.Judging` and a :class:`Record` (storage, study name) and returns a
  :class:`SearchResult`; every trial's learning curve is in the study as intermediate values.
* :func:`pbt` — population based training (exploit and explore between continued sweeps; the
  package :mod:`jaxscape.search.pbt`, options :class:`Exploit` and :class:`Explore`),
  returning a :class:`PBTResult`; :func:`replay_schedule` retrains its learned schedule.

>>> from jaxscape import search
>>> search.Space({"learning_rate": search.log_uniform(1e-4, 1.0)}).sample(2, seed=0)[0].keys()
dict_keys(['learning_rate'])
"""

from __future__ import annotations

from jaxscape.search.brackets import brackets_within, hyperband_brackets, keep_top
from jaxscape.search.coarse_to_fine import coarse_to_fine
from jaxscape.search.hyperband import hyperband
from jaxscape.search.optuna_search import optuna_search
from jaxscape.search.params import (
    categorical,
    fixed,
    int_uniform,
    log_uniform,
    reverse_log_uniform,
    uniform,
)
from jaxscape.search.pbt import Exploit, Explore, PBTResult, pbt, replay_schedule
from jaxscape.search.random import grid_search, random_search
from jaxscape.search.record import Record
from jaxscape.search.result import SearchResult
from jaxscape.search.seeds_space import seeds_space
from jaxscape.search.space import Choice, Space, choice

__all__ = [
    "Choice",
    "Exploit",
    "Explore",
    "PBTResult",
    "Record",
    "SearchResult",
    "Space",
    "brackets_within",
    "categorical",
    "choice",
    "coarse_to_fine",
    "fixed",
    "grid_search",
    "hyperband",
    "hyperband_brackets",
    "int_uniform",
    "keep_top",
    "log_uniform",
    "optuna_search",
    "pbt",
    "random_search",
    "replay_schedule",
    "reverse_log_uniform",
    "seeds_space",
    "uniform",
]
