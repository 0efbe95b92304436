"""The selection rule of a parallel range test: the band of good values and its centre.

A parallel range test trains one run per value (learning rates, momenta) for the same budget.
The rule, stated once here and used everywhere:

1. *score* each value by its final held-out metric (accuracy, or minus the loss); a failed run
   (diverged, non-finite, or blown up above the best) has no score; a tie for the best score on
   an accuracy falls to the loss of the same split;
2. the *band* is the contiguous run of values around the best score whose scores are within
   ``tolerance`` of it;
3. the *choice* is the band value nearest the band's centre on the test's natural scale —
   ``log(lr)`` for learning rates, ``log(1 / (1 - momentum))`` (the effective step multiplier)
   for momenta — ties going to the smaller value.

The centre of the band, not its best point: the best point of a short run tends to sit next to
the cliff (a larger rate makes faster early progress until it diverges); the centre is as far
from the cliff as the data allow while every value in the band did about as well.

References:
  L. N. Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017 (bounds of the
  range where accuracy rises); L. N. Smith, "A disciplined approach to neural network
  hyper-parameters: Part 1", arXiv:1803.09820, 2018 (momentum tested the same way).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jaxscape._checks import check_choice, check_range
from jaxscape.tune._store import storable
from jaxscape.tune.range_tests._scale import SCALES, to_scale


@storable
@dataclass(frozen=True)
class Band:
    """The good band of a parallel range test.

    Attributes:
      indices: ``[k]`` indices of the band's values (contiguous, ascending).
      lo, hi: the smallest and largest value of the band.
      best: the value with the best score.
      choice: the value chosen by the rule (see the module docstring).
      best_score: the best score; every band value scored at least ``best_score - tolerance``.
      tolerance: the tolerance used.
      scale: ``"log"``, ``"momentum"`` or ``"linear"``: where the centre was taken.
    """

    indices: np.ndarray
    lo: float
    hi: float
    best: float
    choice: float
    best_score: float
    tolerance: float
    scale: str

    def to_dict(self) -> dict:
        return {
            "lo": self.lo,
            "hi": self.hi,
            "best": self.best,
            "choice": self.choice,
            "best_score": self.best_score,
            "tolerance": self.tolerance,
            "scale": self.scale,
        }


def select_band(
    values: np.ndarray,
    scores: np.ndarray,
    ok: np.ndarray,
    *,
    tolerance: float,
    scale: str = "log",
    ties: np.ndarray | None = None,
) -> Band | None:
    """Apply the band rule (module docstring) to ``[K]`` ascending values.

    Args:
      values: ``[K]`` strictly increasing tested values (positive for ``scale="log"``, in
        ``[0, 1)`` for ``"momentum"``).
      scores: ``[K]`` higher-is-better scores (NaN where there is none).
      ok: ``[K]`` whether each run succeeded; failed runs never enter the band.
      tolerance: how far below the best score a band value may be (``>= 0``).
      scale: where the centre is taken.
      ties: ``[K]`` higher-is-better scores that break a tie for the best score (the loss of
        the same split, negated, when ``scores`` are accuracies: :meth:`jaxscape.Judging.rank`);
        ``None``: the first best value.

    Returns:
      The :class:`Band`, or ``None`` when no run succeeded.

    Example:
      >>> v = np.array([0.01, 0.03, 0.1, 0.3, 1.0, 3.0])
      >>> s = np.array([0.2, 0.6, 0.90, 0.91, 0.90, np.nan])
      >>> band = select_band(v, s, np.isfinite(s), tolerance=0.02)
      >>> band.lo, band.hi, band.best, band.choice
      (0.1, 1.0, 0.3, 0.3)
    """
    check_choice("scale", scale, SCALES)
    check_range("tolerance", tolerance, low=0.0)
    values = np.asarray(values, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    ok = np.asarray(ok, dtype=bool) & np.isfinite(scores)
    if values.ndim != 1 or scores.shape != values.shape or ok.shape != values.shape:
        raise ValueError("values, scores and ok must be 1-D arrays of one length")
    if values.size > 1 and np.any(np.diff(values) <= 0):
        raise ValueError("values must be strictly increasing")
    if not np.any(ok):
        return None
    masked = np.where(ok, scores, -np.inf)
    if ties is None:
        best_i = int(np.argmax(masked))
    else:
        t = np.asarray(ties, dtype=np.float64)
        t = np.where(np.isfinite(t), t, -np.inf)
        best_i = int(np.lexsort((np.arange(values.size), -t, -masked))[0])
    threshold = scores[best_i] - tolerance
    good = ok & (scores >= threshold)
    lo_i = hi_i = best_i
    while lo_i > 0 and good[lo_i - 1]:
        lo_i -= 1
    while hi_i < values.size - 1 and good[hi_i + 1]:
        hi_i += 1
    idx = np.arange(lo_i, hi_i + 1)
    t = to_scale(values[idx], scale)
    centre = 0.5 * (t[0] + t[-1])
    dist = np.abs(t - centre)
    pick = idx[int(np.flatnonzero(dist <= dist.min() + 1e-12 * max(1.0, abs(centre)))[0])]
    return Band(
        indices=idx,
        lo=float(values[lo_i]),
        hi=float(values[hi_i]),
        best=float(values[best_i]),
        choice=float(values[pick]),
        best_score=float(scores[best_i]),
        tolerance=float(tolerance),
        scale=scale,
    )
