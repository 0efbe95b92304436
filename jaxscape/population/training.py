"""``Training``: how long a population trains and how it is recorded, as one frozen object.

Every procedure (range tests, comparisons, studies, searches) trains populations with the same
options: a budget (``steps`` or ``epochs``), a mini-batch size, seeds, a recording cadence, a
checkpoint, a progress bar and a callback. They travel together as one :class:`Training`, built
once and passed down, instead of a keyword chain re-declared at every level;
:meth:`Training.sweep_kwargs` gives the keyword arguments :func:`jaxscape.sweep` takes.
"""

from __future__ import annotations

import dataclasses
import numbers
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from jaxscape._checks import (
    check_callable,
    check_positive_int,
    check_range,
    check_seed_values,
)


@dataclass(frozen=True)
class Training:
    """How long and how to train and record a population.

    Attributes:
      steps: optimizer steps per trial; exactly one of ``steps`` and ``epochs``.
      epochs: passes over the training split (a float; converted to steps by
        :meth:`steps_for`, rounded, at least 1).
      batch_size: mini-batch size; ``None`` trains on the whole training split every step.
      seeds: ``(s0, s1, ...)`` distinct non-negative seeds. A single run (a range test, a
        sweep) uses ``seeds[0]`` (:attr:`seed`); a comparison over seeds uses them all.
      eval_every: steps per recording window (``None``: the procedure's or the engine's
        default).
      record_initial: record the exact metrics of the initial weights as step 0.
      checkpoint: a folder to checkpoint into and resume from (``None``: none).
      checkpoint_every: seconds between checkpoints.
      progress: show the engine's progress bar.
      callback: called on the host with each recorded row (see :func:`jaxscape.sweep`).

    Example:
      >>> from jaxscape import Training
      >>> t = Training(epochs=2.5, batch_size=64, seeds=(0, 1, 2))
      >>> t.steps_for(n_train=1000), t.seed
      (38, 0)
      >>> t.replace(steps=10, epochs=None).sweep_kwargs()["steps"]
      10
      >>> Training(steps=10, epochs=1.0)
      Traceback (most recent call last):
      ...
      ValueError: Training: give exactly one of steps and epochs, got steps=10 and epochs=1.0
    """

    steps: int | None = None
    epochs: float | None = None
    batch_size: int | None = 128
    seeds: tuple[int, ...] = (0,)
    eval_every: int | None = None
    record_initial: bool = False
    checkpoint: str | os.PathLike | None = None
    checkpoint_every: float = 30.0
    progress: bool = True
    callback: Callable[[dict], Any] | None = None

    def __post_init__(self) -> None:
        if (self.steps is None) == (self.epochs is None):
            raise ValueError(
                "Training: give exactly one of steps and epochs, got "
                f"steps={self.steps!r} and epochs={self.epochs!r}"
            )
        if self.steps is not None:
            check_positive_int("steps", self.steps)
        else:
            _check_real("epochs", self.epochs)
            check_range("epochs", self.epochs, low=0.0, low_open=True)
        if self.batch_size is not None:
            check_positive_int("batch_size", self.batch_size)
        object.__setattr__(self, "seeds", _check_seeds(self.seeds))
        if self.eval_every is not None:
            check_positive_int("eval_every", self.eval_every)
        for name in ("record_initial", "progress"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be a bool, got {getattr(self, name)!r}")
        if self.checkpoint is not None and not isinstance(self.checkpoint, str | os.PathLike):
            raise TypeError(
                f"checkpoint must be a path or None, got {type(self.checkpoint).__name__}"
            )
        _check_real("checkpoint_every", self.checkpoint_every)
        check_range("checkpoint_every", self.checkpoint_every, low=0.0)
        if self.callback is not None:
            check_callable("callback", self.callback)

    @property
    def seed(self) -> int:
        """The seed of a single run: the first of :attr:`seeds`."""
        return self.seeds[0]

    def replace(self, **changes: Any) -> Training:
        """A copy with ``changes`` (``dataclasses.replace``; validated again).

        Giving ``steps`` drops ``epochs`` and the other way round, unless both are given.
        """
        if "steps" in changes and "epochs" not in changes and changes["steps"] is not None:
            changes["epochs"] = None
        if "epochs" in changes and "steps" not in changes and changes["epochs"] is not None:
            changes["steps"] = None
        return dataclasses.replace(self, **changes)

    def with_seeds(self, seeds: int | Sequence[int]) -> Training:
        """A copy with ``seeds``: an int ``S`` means ``seed, seed + 1, ..., seed + S - 1``."""
        if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
            n = check_positive_int("seeds", seeds)
            return self.replace(seeds=tuple(range(self.seed, self.seed + n)))
        return self.replace(seeds=tuple(seeds))

    def steps_for(self, n_train: int | None, batch_size: int | None = None) -> int:
        """Optimizer steps of the budget on ``n_train`` training rows.

        ``batch_size`` defaults to :attr:`batch_size`. An epoch is ``n_train // batch_size``
        steps (remainder dropped; one step for full batch or ``n_train=None``, a problem
        without data); ``epochs`` are rounded to the nearest step, at least 1.
        """
        if self.steps is not None:
            return self.steps
        batch_size = self.batch_size if batch_size is None else batch_size
        if n_train is None or batch_size is None or batch_size >= n_train:
            per_epoch = 1
        else:
            per_epoch = n_train // batch_size
        return max(1, round(float(self.epochs) * per_epoch))

    def sweep_kwargs(self, n_train: int | None = None) -> dict[str, Any]:
        """The keyword arguments of :func:`jaxscape.sweep` this training sets.

        ``js.sweep(prob, opt, table, **training.sweep_kwargs(prob.data.n_train))``; ``n_train``
        is needed only for a budget in epochs.
        """
        if self.steps is None and n_train is None:
            raise ValueError("Training.sweep_kwargs: a budget in epochs needs n_train")
        return {
            "steps": self.steps_for(n_train),
            "batch_size": self.batch_size,
            "seed": self.seed,
            "eval_every": self.eval_every,
            "record_initial": self.record_initial,
            "checkpoint": self.checkpoint,
            "checkpoint_every": self.checkpoint_every,
            "progress": self.progress,
            "callback": self.callback,
        }


def _check_real(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")


def _check_seeds(seeds: Any) -> tuple[int, ...]:
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        raise TypeError(
            f"seeds must be a tuple of ints, got the int {seeds!r} (use seeds=({seeds},), or "
            "Training.with_seeds(n) for n seeds)"
        )
    if isinstance(seeds, str) or not isinstance(seeds, Sequence) or len(seeds) == 0:
        raise TypeError(f"seeds must be a non-empty tuple of ints, got {seeds!r}")
    values = tuple(int(s) for s in check_seed_values("seeds", list(seeds)).tolist())
    if len(set(values)) != len(values):
        raise ValueError(f"seeds must be distinct, got {list(values)}")
    return values
