"""``Judging``: how the trials of a population are judged, with the project's one metric rule.

**The metric rule** (:meth:`Judging.choose_metric`, the only place it is written): a choice is
scored on the validation split, never the test split. Without a named metric the first present
of ``val_accuracy``, ``val_loss``, ``train_accuracy``, ``train_loss`` decides (the preference
order of :func:`jaxscape._result.default_metric`, splits ``val`` then ``train``); a ``test_*``
metric asked for is a ``ValueError``, and without held-out validation data the rule falls back
to the training split, never to the test split. Accuracies are better higher, every other
metric lower (:meth:`Judging.higher_is_better`).

**Ranking**: trials rank by the final value of the metric; a tie on an accuracy (a validation
split of 216 images moves in steps of 1/216) falls to the loss of the same split
(:meth:`Judging.rank`, :meth:`Judging.best_index`).

**Verdicts** (:meth:`Judging.verdicts`): ``"diverged"`` (the engine flagged and froze the
trial: non-finite, or its loss exploded above ``diverge_factor`` times its start),
``"failed"`` (it did not diverge but ends no better than chance — its accuracy within
``chance_margin`` of ``1 / num_classes`` — or no better than its start: its final loss at least
its first recorded one), or ``"ok"``.

The tolerances the procedures judge with travel in the same object: ``k`` and ``min_effect``
of a paired verdict over seeds, ``tolerance`` of a range test's band.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from jaxscape._checks import check_positive_int, check_range
from jaxscape._result import default_metric
from jaxscape._result import higher_is_better as _higher_is_better

#: The splits a choice may be scored on, most trusted first (never ``test``).
CHOICE_SPLITS = ("val", "train")

#: The three verdicts of :meth:`Judging.verdicts`.
VERDICTS = ("ok", "failed", "diverged")


@dataclass(frozen=True)
class Judging:
    """How results are judged: the metric, divergence, failure, and the verdicts' tolerances.

    Attributes:
      metric: the metric choices rank by (``None``: the rule of :meth:`choose_metric`); never
        a ``test_*`` metric.
      diverge_factor: a trial diverged when its training loss exceeds
        ``loss0 + diverge_factor * max(|loss0|, 1)`` or is non-finite (the engine's rule).
      k: a variant is adopted over its baseline only when its mean paired improvement over
        seeds exceeds ``k`` standard errors (:mod:`jaxscape.tune.comparisons.verdict`).
      min_effect: and exceeds this improvement, in the metric's units.
      tolerance: how far below the best a range test's band reaches (``None``: 0.02 for
        accuracies, 5% of the best for losses; :meth:`band_tolerance`).
      chance_margin: a trial whose final accuracy is within this of chance (``1 / classes``)
        failed.

    Example:
      >>> from jaxscape import Judging
      >>> j = Judging()
      >>> j.choose_metric(["train_loss", "test_accuracy", "val_loss", "val_accuracy"])
      'val_accuracy'
      >>> j.choose_metric(["train_loss", "test_loss"])   # no validation data: train, not test
      'train_loss'
      >>> Judging(metric="test_accuracy").choose_metric(["test_accuracy", "val_accuracy"])
      Traceback (most recent call last):
      ...
      ValueError: metric 'test_accuracy': tuning choices are scored on validation, never test ...
      >>> finals = {"val_accuracy": [0.9, 0.95, 0.95, 0.95], "val_loss": [0.3, 0.2, 0.1, 0.15]}
      >>> j.rank(finals).tolist(), j.best_index(finals)   # a tie on accuracy falls to the loss
      ([2, 3, 1, 0], 2)
    """

    metric: str | None = None
    diverge_factor: float = 100.0
    k: float = 2.0
    min_effect: float = 0.0
    tolerance: float | None = None
    chance_margin: float = 0.05

    def __post_init__(self) -> None:
        if self.metric is not None:
            if not isinstance(self.metric, str):
                raise TypeError(f"metric must be a str or None, got {self.metric!r}")
            _refuse_test(self.metric)
        for name in ("diverge_factor", "k", "min_effect", "chance_margin"):
            _check_real(name, getattr(self, name))
        check_range("diverge_factor", self.diverge_factor, low=0.0, low_open=True)
        check_range("k", self.k, low=0.0)
        check_range("min_effect", self.min_effect, low=0.0)
        check_range("chance_margin", self.chance_margin, low=0.0, high=1.0)
        if self.tolerance is not None:
            _check_real("tolerance", self.tolerance)
            check_range("tolerance", self.tolerance, low=0.0)

    def replace(self, **changes: Any) -> Judging:
        """A copy with ``changes`` (``dataclasses.replace``; validated again)."""
        return replace(self, **changes)

    # ------------------------------------------------------------------ the metric rule
    def choose_metric(self, names: Iterable[str]) -> str:
        """The metric choices are scored on, among ``names`` (see the module docstring).

        :attr:`metric` when set (a ``ValueError`` names the known metrics if it is not among
        ``names``), else the first present of ``val_accuracy``, ``val_loss``,
        ``train_accuracy``, ``train_loss``, else the first other ``val_*``, then ``train_*``
        name, else the first name that is not a ``test_*`` metric (the order of
        :func:`jaxscape._result.default_metric`). Raises ``ValueError`` when only test metrics
        are left.
        """
        names = list(names)
        if not names:
            raise ValueError("names must name at least one metric")
        if self.metric is not None:
            if self.metric not in names:
                known = sorted(n for n in names if not n.startswith("test_"))
                raise ValueError(f"metric must be one of {known}, got {self.metric!r}")
            return self.metric
        allowed = [n for n in names if not n.startswith("test_")]
        if not allowed:
            raise ValueError(
                f"no metric to choose on among {sorted(names)}: tuning choices are scored on "
                "validation (or training) metrics, never test"
            )
        return default_metric(allowed, splits=CHOICE_SPLITS)

    @staticmethod
    def higher_is_better(metric: str) -> bool:
        """Whether a larger value of ``metric`` is better (accuracies) or worse (losses)."""
        return _higher_is_better(metric)

    def score(self, metric: str, values: Any) -> np.ndarray:
        """``values`` turned "higher is better" (losses negated) as float64; NaN stays NaN."""
        values = np.asarray(values, dtype=np.float64)
        return values if self.higher_is_better(metric) else -values

    @staticmethod
    def tie_breaker(metric: str, names: Iterable[str]) -> str | None:
        """The metric a tie on ``metric`` falls to: the loss of the same split, for an
        accuracy-like metric whose split records one; else ``None``."""
        if not _higher_is_better(metric) or "_" not in metric:
            return None
        loss = metric.split("_", 1)[0] + "_loss"
        return loss if loss in set(names) else None

    def band_tolerance(self, metric: str, best: float) -> float:
        """A range test's band tolerance: :attr:`tolerance`, else 0.02 for accuracies and 5%
        of the best value for losses."""
        if self.tolerance is not None:
            return float(self.tolerance)
        return 0.02 if self.higher_is_better(metric) else 0.05 * abs(float(best))

    # ------------------------------------------------------------------ ranking
    def rank(self, finals: Any, ok: Any = None) -> np.ndarray:
        """``[N]`` trial indices, best first, by the final value of the chosen metric.

        Args:
          finals: ``{name: [N]}`` final values per trial, or a result with ``metrics``
            ``{name: [N, T]}`` and ``diverged`` ``[N]`` (a :class:`jaxscape.SweepResult`).
          ok: ``[N]`` trials that may rank (default: every trial that did not diverge); the
            others, and non-finite values, come last.

        Ties on an accuracy fall to the loss of the same split (lower first), then to the
        lower index.
        """
        finals, ok = _finals(finals, ok)
        metric = self.choose_metric(finals)
        n = np.asarray(finals[metric]).shape[0]
        primary = self.score(metric, finals[metric])
        keep = np.ones(n, bool) if ok is None else np.asarray(ok, bool)
        primary = np.where(keep & np.isfinite(primary), primary, -np.inf)
        loss = self.tie_breaker(metric, finals)
        secondary = np.zeros(n) if loss is None else self.score(loss, finals[loss])
        secondary = np.where(np.isfinite(secondary), secondary, -np.inf)
        return np.lexsort((np.arange(n), -secondary, -primary))

    def best_index(self, finals: Any, ok: Any = None) -> int:
        """Index of the best trial (:meth:`rank`); ``ValueError`` when none may rank."""
        finals, ok = _finals(finals, ok)
        metric = self.choose_metric(finals)
        values = np.asarray(finals[metric], dtype=np.float64)
        good = np.isfinite(values) & (True if ok is None else np.asarray(ok, bool))
        if not np.any(good):
            raise ValueError(f"every trial diverged or has no finite {metric}")
        return int(self.rank(finals, ok)[0])

    # ------------------------------------------------------------------ verdicts
    def failed(self, result: Any, num_classes: int | None = None) -> np.ndarray:
        """``[N]`` bool: trials that did not diverge but failed to learn.

        A trial failed when its final value of the chosen metric is non-finite, when its
        final accuracy of that split is within :attr:`chance_margin` of ``1 / num_classes``
        (``num_classes`` defaults to ``result.info["num_classes"]``; without it, no chance
        test), or when its final loss of that split is at least its first recorded one (the
        initial weights' with ``record_initial=True``, else the first window's).

        ``result`` has ``metrics`` ``{name: [N, T]}``, ``diverged`` ``[N]`` and ``info``.
        """
        metrics = {k: np.asarray(v, dtype=np.float64) for k, v in result.metrics.items()}
        diverged = np.asarray(result.diverged, bool)
        metric = self.choose_metric(metrics)
        split = metric.split("_", 1)[0]
        bad = ~np.isfinite(metrics[metric][:, -1])
        if num_classes is None:
            num_classes = (getattr(result, "info", None) or {}).get("num_classes")
        accuracy = metrics.get(f"{split}_accuracy")
        if accuracy is not None and num_classes is not None:
            chance = 1.0 / check_positive_int("num_classes", num_classes)
            bad |= accuracy[:, -1] <= chance + self.chance_margin
        loss = metrics.get(f"{split}_loss")
        if loss is not None and loss.shape[1] >= 2:
            bad |= loss[:, -1] >= loss[:, 0]
        return bad & ~diverged

    def verdicts(self, result: Any, num_classes: int | None = None) -> np.ndarray:
        """``[N]`` ``"ok"``, ``"failed"`` or ``"diverged"`` per trial (module docstring).

        Example:
          >>> import numpy as np
          >>> from types import SimpleNamespace
          >>> res = SimpleNamespace(
          ...     metrics={"val_accuracy": np.array([[0.1, 0.9], [0.1, 0.11], [0.1, np.nan]]),
          ...              "val_loss": np.array([[2.3, 0.3], [2.3, 2.2], [2.3, np.nan]])},
          ...     diverged=np.array([False, False, True]), info={"num_classes": 10})
          >>> Judging().verdicts(res).tolist()
          ['ok', 'failed', 'diverged']
        """
        diverged = np.asarray(result.diverged, bool)
        failed = self.failed(result, num_classes)
        return np.where(diverged, "diverged", np.where(failed, "failed", "ok"))


def _refuse_test(metric: str) -> None:
    if metric.startswith("test_"):
        raise ValueError(
            f"metric {metric!r}: tuning choices are scored on validation, never test (the test "
            f"split is evaluated once, for the chosen configuration); use 'val_{metric[5:]}'"
        )


def _check_real(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")


def _finals(finals: Any, ok: Any) -> tuple[dict[str, np.ndarray], Any]:
    """``({name: [N]}, ok)`` from a mapping of final values or a result's last column."""
    if isinstance(finals, Mapping):
        return {k: np.asarray(v, dtype=np.float64) for k, v in finals.items()}, ok
    out = {k: np.asarray(v, dtype=np.float64)[:, -1] for k, v in finals.metrics.items()}
    return out, ~np.asarray(finals.diverged, bool) if ok is None else ok
