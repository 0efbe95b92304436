"""Loggers: watch a sweep in the trackers people use (TensorBoard, MLflow, W&B).

Each logger is an ``on_record`` hook (:class:`jaxscape.population.record.RecordEvent` in,
nothing out) with ``close()`` and context-manager support; its tracker is an optional extra,
imported when the logger is built (``pip install 'jaxscape[tensorboard]'``, ``[mlflow]``,
``[wandb]``). :func:`make_logger` builds one from the command line's ``--log`` text.
"""

from jaxscape.loggers._base import Logger
from jaxscape.loggers.mlflow import MLflowLogger
from jaxscape.loggers.spec import make_logger
from jaxscape.loggers.tensorboard import TensorBoardLogger
from jaxscape.loggers.wandb import WandbLogger

__all__ = ["Logger", "MLflowLogger", "TensorBoardLogger", "WandbLogger", "make_logger"]
