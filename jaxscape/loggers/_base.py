"""What every logger shares: the ``on_record`` call, ``close``, the context manager, and
the lazy import of its tracker with an error that names the extra to install."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import MappingProxyType, ModuleType
from typing import Any

import numpy as np

from jaxscape.population.record import RecordEvent, events_from_result
from jaxscape.population.result import SweepResult


class Logger:
    """An ``on_record`` hook that writes each :class:`RecordEvent` to a tracker.

    Subclasses implement :meth:`write` (one event) and :meth:`finish` (flush and close what
    they opened); ``close`` is idempotent, and ``with Logger(...) as log:`` closes on exit.
    ``config`` holds the sweep's shared settings (optimizer, problem, steps), logged beside
    every trial's hyperparameters. Leaving the ``with`` block on an exception (a failed or
    interrupted sweep) sets ``interrupted``: the runs then end as killed, not finished.
    """

    _closed: bool = False
    interrupted: bool = False
    config: Mapping[str, Any] = MappingProxyType({})

    def __call__(self, event: RecordEvent) -> None:
        if self._closed:
            raise RuntimeError(f"{type(self).__name__} is closed")
        self.write(event)

    def write(self, event: RecordEvent) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def finish(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        """Flush and close every run this logger opened (a second call does nothing)."""
        if not self._closed:
            self._closed = True
            self.finish()

    def log_result(self, result: SweepResult) -> None:
        """Write a finished sweep, record by record (:func:`events_from_result`)."""
        for event in events_from_result(result):
            self(event)

    def params(self, hyperparams: dict[str, Any]) -> dict[str, Any]:
        """A trial's parameters for its tracker: the shared ``config`` and its own
        hyperparameters (which win a clash), as plain Python values."""
        return {
            **{k: plain(v) for k, v in self.config.items()},
            **{k: plain(v) for k, v in hyperparams.items()},
        }

    def __enter__(self):
        return self

    def __exit__(self, kind: type | None, *exc: object) -> None:
        if kind is not None:
            self.interrupted = True
        self.close()


class Fanout(Logger):
    """Several loggers as one hook: each event goes to every logger, ``close`` closes all."""

    def __init__(self, *loggers: Logger) -> None:
        self.loggers = loggers

    def write(self, event: RecordEvent) -> None:
        for logger in self.loggers:
            logger(event)

    def finish(self) -> None:
        errors = []
        for logger in self.loggers:
            logger.interrupted = logger.interrupted or self.interrupted
            try:
                logger.close()
            except Exception as err:  # close the others before reporting
                errors.append(err)
        if errors:
            raise errors[0]


def require(module: str, extra: str, who: str) -> ModuleType:
    """Import ``module`` or raise an ``ImportError`` naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            f"{who} needs the package {module.split('.')[0]!r}: pip install 'jaxscape[{extra}]'"
        ) from err


def plain(value: Any) -> float | int | bool | str:
    """A table value as a Python number, floats as their shortest float32 decimal (trials
    train with float32 values: ``0.1``, not ``0.10000000149011612``); text stays text, and
    anything else becomes its text."""
    if isinstance(value, str):
        return value
    try:
        value = np.asarray(value).item()
    except (TypeError, ValueError):
        return str(value)
    if not isinstance(value, float | int | bool | str):
        return str(value)
    if isinstance(value, float):
        single = np.float32(value)
        return float(str(single)) if float(single) == value else value
    return value


def run_name(trial: int) -> str:
    """The name of a trial's run in every tracker: ``trial_0007``."""
    return f"trial_{trial:04d}"
