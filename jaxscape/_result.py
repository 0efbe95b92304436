"""The protocol every result a user receives follows, and the one definition of a default metric.

A result is a frozen dataclass with

- ``save(path) -> Path``: write it into the folder ``path`` (open formats, atomic);
- ``load(path)`` (a classmethod): read what ``save`` wrote;
- ``plot(path=None, **kwargs)``: its figure, written to ``path`` when given;
- ``to_dataframe()`` (a table of rows) or, where a table makes no sense, ``to_dict()``;
- ``summary() -> str``: a few lines of text for a terminal.

:func:`default_metric` is the preference order of metrics (splits outermost, accuracy before
loss), written once. What a result *draws* when no metric is named follows it over every split;
what a procedure *chooses* by follows it over the validation and training splits only, never
the test split: :meth:`jaxscape.Judging.choose_metric`, the project's one metric rule.

>>> from jaxscape._result import default_metric
>>> default_metric(["train_loss", "val_loss", "val_accuracy"])
'val_accuracy'
>>> default_metric(["train_loss", "test_loss"], quantities=("loss",), splits=("train", "test"))
'train_loss'
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

#: Metric suffixes for which a larger value is better; every other metric is a loss.
HIGHER_IS_BETTER = ("accuracy",)

#: The splits a default metric is looked for in, most trusted first.
SPLITS = ("val", "test", "train")

#: The quantities a default metric is looked for, preferred first.
QUANTITIES = ("accuracy", "loss")


def higher_is_better(metric: str) -> bool:
    """Whether a larger value of ``metric`` is better (accuracies) or worse (losses)."""
    return metric.endswith(HIGHER_IS_BETTER)


def label(name: str) -> str:
    """A metric or hyperparameter name as a figure or page writes it: ``"val_loss"`` is
    ``"val loss"``."""
    return name.replace("_", " ")


def default_metric(
    names: Iterable[str],
    quantities: tuple[str, ...] = QUANTITIES,
    splits: tuple[str, ...] = SPLITS,
) -> str:
    """The metric a result ranks or draws by when none is named.

    The first ``f"{split}_{quantity}"`` present in ``names``, splits outermost (validation
    accuracy, validation loss, test accuracy, test loss, train accuracy, train loss); else the
    first other name of the first split that has one; else the first name. ``names`` must not
    be empty.
    """
    names = list(names)
    if not names:
        raise ValueError("names must name at least one metric")
    for split in splits:
        for quantity in quantities:
            if f"{split}_{quantity}" in names:
                return f"{split}_{quantity}"
    for split in splits:
        for name in names:
            if name.startswith(f"{split}_"):
                return name
    return names[0]


def check_metric(names: Iterable[str], metric: str | None, **preference: Any) -> str:
    """``metric`` if it is one of ``names``, else :func:`default_metric` when it is ``None``.

    Raises ``ValueError`` naming the known metrics for anything else.
    """
    names = list(names)
    metric = metric or default_metric(names, **preference)
    if metric not in names:
        raise ValueError(f"metric must be one of {sorted(names)}, got {metric!r}")
    return metric


@runtime_checkable
class Result(Protocol):
    """What every result a user receives offers (see the module docstring)."""

    def save(self, path: str | os.PathLike) -> Path: ...

    @classmethod
    def load(cls, path: str | os.PathLike) -> Any: ...

    def plot(self, path: str | os.PathLike | None = None, **kwargs: Any) -> Any: ...

    def summary(self) -> str: ...
