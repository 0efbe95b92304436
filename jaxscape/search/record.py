"""``Record``: where a search keeps its trials, and who hears of them as they finish.

Every strategy records each trial in an Optuna study (:mod:`jaxscape.search._optuna`): in memory,
or in a database whose URL is ``storage`` (``sqlite:///out/search.db``, PostgreSQL, MySQL).
Calling the same search again with the same storage and study name continues it; several
processes may share one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jaxscape._checks import check_callable


@dataclass(frozen=True)
class Record:
    """Where a search is recorded and what it reports.

    Attributes:
      storage: ``None`` (memory), a database URL such as ``"sqlite:///out/search.db"``
        (opened with heartbeats, so a killed process's trials are run again), or an Optuna
        storage.
      study_name: the study's name in the storage (``None``: the strategy's name).
      on_batch: called with the records (``{"trial", "config", "metrics", ...}``) of every
        finished batch.
      test: evaluate the best configuration on the test split once, at the end: on its
        trained weights, kept when this process ran it (a stateless model), else trained
        again alone with the same numbers.

    Example:
      >>> Record("sqlite:///search.db", study_name="lr").study_name
      'lr'
    """

    storage: str | os.PathLike | Any | None = None
    study_name: str | None = None
    on_batch: Callable[[list[dict[str, Any]]], Any] | None = None
    test: bool = True

    def __post_init__(self) -> None:
        if self.study_name is not None and (
            not isinstance(self.study_name, str) or not self.study_name
        ):
            raise TypeError(f"study_name must be a non-empty str, got {self.study_name!r}")
        if self.on_batch is not None:
            check_callable("on_batch", self.on_batch)
        if not isinstance(self.test, bool):
            raise TypeError(f"test must be a bool, got {self.test!r}")
        if isinstance(self.storage, str | os.PathLike) and "://" not in os.fspath(self.storage):
            raise ValueError(
                "storage must be a database URL such as sqlite:///out/search.db, "
                f"got {os.fspath(self.storage)!r}"
            )

    def name(self, default: str) -> str:
        """:attr:`study_name`, or ``default``."""
        return self.study_name or default
