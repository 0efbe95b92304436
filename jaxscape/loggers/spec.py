"""``make_logger``: a logger from the command line's ``--log`` text."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from jaxscape.loggers._base import Fanout, Logger

__all__ = ["SPECS", "make_logger", "make_loggers"]

#: What ``--log`` accepts, for help texts and errors.
SPECS = "tensorboard:DIR, mlflow, mlflow:URI_OR_DIR, wandb, wandb:PROJECT"


def make_logger(spec: str, config: Mapping[str, Any] | None = None) -> Logger:
    """The logger ``spec`` names.

    - ``tensorboard:DIR`` — :class:`~jaxscape.loggers.TensorBoardLogger` writing into ``DIR``;
    - ``mlflow`` or ``mlflow:URI`` — :class:`~jaxscape.loggers.MLflowLogger` with MLflow's
      default store, or the tracking URI / folder / ``.db`` file given;
    - ``wandb`` or ``wandb:PROJECT`` — :class:`~jaxscape.loggers.WandbLogger` (offline unless
      ``WANDB_MODE`` says otherwise).

    ``config``: the sweep's shared settings, logged beside each trial's hyperparameters.
    Raises ``ValueError`` for anything else.

    Example:
      >>> import tempfile
      >>> make_logger(f"tensorboard:{tempfile.mkdtemp()}").__class__.__name__
      'TensorBoardLogger'
      >>> make_logger("comet")
      Traceback (most recent call last):
      ...
      ValueError: --log must be one of tensorboard:DIR, ...; got 'comet'
    """
    kind, sep, rest = spec.partition(":")
    if kind == "tensorboard" and rest:
        from jaxscape.loggers.tensorboard import TensorBoardLogger

        return TensorBoardLogger(rest, config=config)
    if kind == "mlflow":
        from jaxscape.loggers.mlflow import MLflowLogger

        return MLflowLogger(rest or None, config=config)
    if kind == "wandb" and (rest or not sep):
        from jaxscape.loggers.wandb import WandbLogger

        mode = os.environ.get("WANDB_MODE", "offline")
        return WandbLogger(project=rest or "jaxscape", mode=mode, config=config)
    raise ValueError(f"--log must be one of {SPECS}; got {spec!r}")


def make_loggers(specs: list[str], config: Mapping[str, Any] | None = None) -> Logger | None:
    """One hook for every ``--log`` given (``None`` for none): a missing tracker package is a
    ``ValueError`` naming the extra to install, raised before anything trains."""
    loggers: list[Logger] = []
    try:
        for spec in specs:
            try:
                loggers.append(make_logger(spec, config))
            except ImportError as err:
                raise ValueError(f"--log {spec}: {err}") from err
    except Exception:
        Fanout(*loggers).close()
        raise
    if not loggers:
        return None
    return loggers[0] if len(loggers) == 1 else Fanout(*loggers)
