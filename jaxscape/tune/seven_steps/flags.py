"""Red flags: symptoms in the procedures' results that point at bugs, each a small pure function.

Every function takes results (or plain numbers) and returns a :class:`RedFlag` — what it saw,
with the numbers, and what to check — or ``None``. The recipe runs all of them.

=====================  ===============================================================
code                   symptom
=====================  ===============================================================
``initial_loss``       initial cross-entropy far from log(C) for C classes
``no_progress``        no learning rate lowers the training loss
``loss_rises``         the loss rises even at the smallest rates
``chance_accuracy``    validation accuracy stuck at chance
``nonfinite_small``    non-finite (or exploding) loss at small rates
``at_edge``            chosen value at the edge of the searched range
``search_failed``      every value of a search failed; a fallback value was used
``direction_fallback`` step 1 could not train a direction and used a random one
``train_val_gap``      a large gap between training and validation metrics
``barrier``            a barrier on the line from the initial to the trained weights
=====================  ===============================================================

Flags that compare training with held-out numbers read the validation split, the split every
choice is made on; the test split is evaluated once, after the choices, and raises none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from jaxscape.landscape import LandscapeLine
from jaxscape.tune.range_tests.result import ParallelRangeTest, RampRangeTest
from jaxscape.tune.seven_steps.line_search import barrier

RangeTest = ParallelRangeTest | RampRangeTest


@dataclass(frozen=True)
class RedFlag:
    """A symptom that points at a bug.

    Attributes:
      code: a short stable identifier (see the module table).
      step: the recipe step whose results raised it.
      message: what was seen, with the numbers.
      check: what to check.
    """

    code: str
    step: str
    message: str
    check: str

    def to_dict(self) -> dict:
        return {"code": self.code, "step": self.step, "message": self.message, "check": self.check}


def initial_loss_flag(
    initial_loss: float,
    num_classes: int | None,
    loss_name: str = "cross_entropy",
    *,
    tolerance: float | None = None,
    step: str = "1. initial line search",
) -> RedFlag | None:
    """Initial cross-entropy far from ``log C``: a freshly initialised classifier is nearly
    uniform over its ``C`` classes, so its loss is close to ``log C``.

    ``tolerance`` defaults to ``max(1, log(C) / 2)`` nats. Only for cross-entropy problems.

    Example:
      >>> initial_loss_flag(2.35, 10) is None
      True
      >>> initial_loss_flag(9.7, 10).code
      'initial_loss'
    """
    if loss_name != "cross_entropy" or not num_classes or num_classes < 2:
        return None
    expected = math.log(num_classes)
    tol = max(1.0, expected / 2) if tolerance is None else float(tolerance)
    if math.isfinite(initial_loss) and abs(initial_loss - expected) <= tol:
        return None
    return RedFlag(
        "initial_loss",
        step,
        f"the initial training loss is {initial_loss:.4g}, but a classifier that is nearly "
        f"uniform over {num_classes} classes starts near log({num_classes}) = {expected:.3g} "
        f"(tolerance {tol:.3g})",
        "the initialisation scale (logits far from zero at init), the labels (range 0..C-1, "
        "one-hot vs integer), and that the loss takes logits, not probabilities",
    )


def no_progress_flag(
    test: RangeTest, *, min_drop: float = 0.02, step: str = "2. learning-rate range test"
) -> RedFlag | None:
    """No learning rate lowers the training loss by more than ``min_drop`` (relative).

    Example:
      >>> t = _toy_parallel([2.3, 2.31, 2.4, np.nan])
      >>> no_progress_flag(t).code
      'no_progress'
    """
    start = float(test.initial.get("train_loss", np.nan))
    if isinstance(test, ParallelRangeTest):
        finals = np.asarray(test.final("train_loss"), dtype=np.float64)
        best = float(np.nanmin(finals)) if np.any(np.isfinite(finals)) else float("nan")
        where = (
            f"any of the {test.values.size} rates in [{test.values[0]:.3g}, {test.values[-1]:.3g}]"
        )
    else:
        end = test.losses.size if test.stop is None else test.stop + 1
        ok = test.smoothed[:end][np.isfinite(test.smoothed[:end])]
        best = float(ok.min()) if ok.size else float("nan")
        where = f"the ramp from {test.values[0]:.3g} to {test.values[-1]:.3g}"
    if not math.isfinite(start) or (math.isfinite(best) and best < start - min_drop * abs(start)):
        return None
    return RedFlag(
        "no_progress",
        step,
        f"no learning rate lowers the loss: the best training loss reached with {where} is "
        f"{best:.4g}, against {start:.4g} at the start (needed a drop of {min_drop:.0%})",
        "the sign of the loss and of the update (gradient ascent?), that the gradient reaches "
        "the parameters (stop_gradient, frozen or detached weights), and the range of rates",
    )


def loss_rises_flag(
    test: RangeTest, *, smallest: int = 3, step: str = "2. learning-rate range test"
) -> RedFlag | None:
    """The loss rose over training at every one of the ``smallest`` rates.

    At a small enough rate a correct gradient step lowers the training loss, whatever the
    labels; a loss that rises there points at a sign error or a wrong gradient. The validation
    loss (exact, deterministic) is read when there is one — it too falls at small rates on
    sound code, even with shuffled labels, through the calibration of the output — else the
    training loss from the first record to the last. Parallel tests only.

    Example:
      >>> t = _toy_parallel([2.4, 2.5, 2.6, 3.0], start=2.3)
      >>> loss_rises_flag(t).code
      'loss_rises'
    """
    if not isinstance(test, ParallelRangeTest):
        return None
    name = "val_loss" if "val_loss" in test.curves else "train_loss"
    curve = np.asarray(test.curves[name], dtype=np.float64)
    final = curve[:, -1]
    start = np.full(final.shape, test.initial.get(name, np.nan))
    if name == "train_loss" or not np.isfinite(start[0]):
        start = curve[:, 0]
    idx = np.flatnonzero(np.isfinite(final) & ~test.diverged)[:smallest]
    if idx.size < min(smallest, 2):
        return None
    delta = final[idx] - start[idx]
    if not np.all(delta > 0):
        return None
    shown = ", ".join(f"{test.values[i]:.3g}: {d:+.3g}" for i, d in zip(idx, delta, strict=True))
    return RedFlag(
        "loss_rises",
        step,
        f"the {name.replace('_', ' ')} rose even at the {idx.size} smallest {test.param} "
        f"values ({shown})",
        "the sign of the loss or of the update (a negated gradient), a wrong custom gradient, "
        "and that the optimizer subtracts the step",
    )


def chance_flag(
    accuracy: float,
    chance: float | None,
    n: int,
    *,
    margin: float = 0.05,
    step: str = "6. optimizer comparison",
    split: str = "validation",
) -> RedFlag | None:
    """``accuracy`` within ``max(margin, 3 binomial SE)`` of ``chance`` (the share of the most
    frequent class among the ``n`` examples of ``split``, the split the accuracy is from).

    Example:
      >>> chance_flag(0.11, 0.1, 360).code
      'chance_accuracy'
      >>> chance_flag(0.95, 0.1, 360) is None
      True
    """
    if chance is None or not n or accuracy is None or not math.isfinite(accuracy):
        return None
    bar = chance + max(margin, 3 * math.sqrt(chance * (1 - chance) / n))
    if accuracy > bar:
        return None
    return RedFlag(
        "chance_accuracy",
        step,
        f"{split} accuracy {accuracy:.3g} is at chance: predicting the most frequent class "
        f"of that split scores {chance:.3g}, and {n} examples make anything below {bar:.3g} "
        "indistinguishable from it",
        "that inputs and labels stay aligned (shuffling, joins, augmentation), the label "
        f"encoding, and that the {split} split comes from the same distribution",
    )


def _positions(test: ParallelRangeTest) -> np.ndarray:
    v = test.values
    t = -np.log1p(-v) if test.param == "momentum" else np.log(v)
    span = t[-1] - t[0]
    return (t - t[0]) / span if span > 0 else np.zeros_like(t)


def nonfinite_flag(test: RangeTest, *, step: str = "2. learning-rate range test") -> RedFlag | None:
    """A run diverged (non-finite or exploding loss) in the lower third of the range (in
    ``log(lr)``), or a ramp's loss became non-finite in its first half.

    Example:
      >>> t = _toy_parallel([2.0, np.nan, 1.0, 0.5])
      >>> nonfinite_flag(t).code
      'nonfinite_small'
    """
    if isinstance(test, ParallelRangeTest):
        low = (_positions(test) <= 1 / 3 + 1e-9) & test.diverged
        if not np.any(low):
            return None
        shown = ", ".join(f"{v:.3g}" for v in test.values[low])
        seen = f"runs at small {test.param} values diverged ({shown})"
    else:
        bad = np.flatnonzero(~np.isfinite(test.losses))
        if not bad.size or bad[0] >= test.losses.size / 2:
            return None
        seen = f"the ramp's loss became non-finite at {test.param} {test.values[bad[0]]:.3g}"
    return RedFlag(
        "nonfinite_small",
        step,
        seen + " — small steps should not blow up",
        "NaN or inf in the data, log or division of zero in the loss (probabilities instead "
        "of logits), an exploding initialisation, and mixed precision overflow",
    )


def edge_flag(test: RangeTest, *, step: str = "2. learning-rate range test") -> RedFlag | None:
    """The choice or the best value sits at an edge of the searched range.

    For momenta only the top edge counts (momentum 0 being best is a legitimate answer).

    Example:
      >>> edge_flag(_toy_parallel([2.0, 1.5, 1.0, 0.5])).code
      'at_edge'
    """
    if not isinstance(test, ParallelRangeTest) or test.band is None:
        return None
    v = test.values
    top = test.band.choice == v[-1] or test.band.best == v[-1]
    bottom = test.param != "momentum" and (test.band.choice == v[0] or test.band.best == v[0])
    if not (top or bottom):
        return None
    edge = "largest" if top else "smallest"
    return RedFlag(
        "at_edge",
        step,
        f"the chosen {test.param} {test.band.choice:.3g} (best {test.band.best:.3g}) is at the "
        f"{edge} value tried ({v[0]:.3g} to {v[-1]:.3g}); better values may lie outside",
        "widen the range; "
        + (
            "a rate that trains even at the top may mean the loss or gradient is scaled down "
            "(a mean over a huge axis, a tiny loss weight)"
            if top
            else "a best rate at the bottom may mean the gradient is scaled up, or the loss "
            "explodes at ordinary rates"
        ),
    )


def gap_flag(
    train: float,
    val: float,
    metric: str,
    *,
    max_gap: float = 0.1,
    step: str = "7. final line search",
) -> RedFlag | None:
    """Training accuracy above validation accuracy by more than ``max_gap`` (or, for losses,
    the validation loss above twice the training loss).

    Example:
      >>> gap_flag(1.0, 0.7, "accuracy").code
      'train_val_gap'
    """
    if not (math.isfinite(train) and math.isfinite(val)):
        return None
    if metric.endswith("accuracy"):
        gap = train - val
        if gap <= max_gap:
            return None
        seen = (
            f"training accuracy {train:.3g} vs validation {val:.3g} (gap {gap:.3g} > {max_gap:g})"
        )
    else:
        if val <= 2 * train or val - train <= 1e-6:
            return None
        seen = f"validation loss {val:.4g} is more than twice the training loss {train:.4g}"
    return RedFlag(
        "train_val_gap",
        step,
        "a large train/validation gap at the trained weights: " + seen,
        "over-fitting (more data, regularisation, early stopping), a distribution shift "
        "between the splits, preprocessing applied to one split only, and leakage of "
        "training examples into the training metric",
    )


def search_failed_flag(test: ParallelRangeTest, fallback: float, *, step: str) -> RedFlag | None:
    """Every value of a parallel search failed, and ``fallback`` was used instead of a choice.

    Example:
      >>> search_failed_flag(_toy_parallel([np.nan] * 4), 1e-3, step="6. adam rate search").code
      'search_failed'
      >>> search_failed_flag(_toy_parallel([2.0, 1.5, 1.0, 0.5]), 1e-3, step="x") is None
      True
    """
    if not isinstance(test, ParallelRangeTest) or test.band is not None:
        return None
    v = test.values
    return RedFlag(
        "search_failed",
        step,
        f"every one of the {v.size} {test.param} values in [{v[0]:.3g}, {v[-1]:.3g}] failed "
        f"(diverged, or lost the training-loss improvement); the procedure fell back to "
        f"{fallback:.3g}, the smallest value, which no run supports",
        "that the range reaches small enough values, the data and loss (NaN inputs, wrong "
        "labels), and the initialisation; the results built on this value are not a choice",
    )


def direction_fallback_flag(reason: str, *, step: str = "1. initial line search") -> RedFlag:
    """Step 1 could not train its direction (``reason``) and used a random one instead.

    Example:
      >>> direction_fallback_flag("Adam at 0.001 diverged").code
      'direction_fallback'
    """
    return RedFlag(
        "direction_fallback",
        step,
        f"the brief training that gives the initial line its direction failed ({reason}); "
        "the line was drawn along a random filter-normalised direction instead",
        "brief Adam training at a small rate should not fail: NaN or inf in the data, a loss "
        "that is not finite at the initial weights, and an exploding initialisation",
    )


def barrier_flag(
    line: LandscapeLine,
    *,
    fraction: float = 0.05,
    metric: str = "train_loss",
    step: str = "7. final line search",
) -> RedFlag | None:
    """A bump on the line from the initial to the trained weights higher than ``fraction`` of
    the loss drop between them (see :func:`jaxscape.tune.seven_steps.line_search.barrier`).

    Example:
      >>> import jaxscape as js
      >>> a = np.linspace(0, 1, 5)
      >>> bump = js.landscape.LandscapeLine(a, {"train_loss": np.array([2.0, 1.0, 1.5, 0.5, 0.1])})
      >>> barrier_flag(bump).code
      'barrier'
    """
    if metric not in line.metrics:
        return None
    b = barrier(line, metric)
    if not math.isfinite(b.drop) or b.height <= max(fraction * abs(b.drop), 1e-3):
        return None
    return RedFlag(
        "barrier",
        step,
        f"the {metric.replace('_', ' ')} rises by {b.height:.3g} around alpha = {b.alpha:.2f} "
        f"on the straight line from the initial (alpha 0) to the trained weights (alpha 1), "
        f"{b.height / max(abs(b.drop), 1e-12):.0%} of the drop between them",
        "not a bug by itself: training crossed a ridge or ended in another basin than the "
        "straight path suggests; if the final loss is also poor, check the schedule (a rate "
        "that is too large late in training) and compare several seeds",
    )


def _toy_parallel(final_train: list[float], start: float = 2.3) -> ParallelRangeTest:
    """A tiny synthetic parallel test for the examples above."""
    from jaxscape.tune.range_tests.band import select_band

    f = np.asarray(final_train, dtype=np.float64)
    values = np.geomspace(1e-3, 1.0, f.size)
    curves = {"train_loss": np.stack([np.full(f.size, start), f], axis=1)}
    diverged = ~np.isfinite(f)
    band = select_band(values, -f, ~diverged, tolerance=0.0)
    return ParallelRangeTest(
        param="learning_rate",
        values=values,
        steps=np.array([1, 2]),
        curves=curves,
        metric="train_loss",
        diverged=diverged,
        failed=diverged,
        band=band,
        suggestion=float("nan") if band is None else band.choice,
        divergence=None,
        initial={"train_loss": start},
        fixed={},
        rule="",
    )
