"""``plateau_epoch``: the epoch M at which performance plateaus (for power decay and cycles).

The seed procedure sets the power decay's factor from "the epoch number where performance
plateaus/falls off": ``alpha = (2/3)^(1/M)``, and the cyclical rate's period to the same M. The
rule used here, on a baseline curve recorded once per epoch (averaged over seeds):

  M = the first epoch at which the curve has achieved ``fraction`` (default 95%) of its total
  improvement, from its value before training to its best value.

A curve that falls off (over-fitting) reaches its best, hence 95% of it, no later than the fall;
a curve still improving at the end gives an M near the end. M is at least 1.

References:
  L. N. Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017 (a cycle's
  length set from the epochs training takes to level off).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from jaxscape._checks import check_range
from jaxscape._result import higher_is_better
from jaxscape.tune._store import storable


@storable
@dataclass(frozen=True)
class Plateau:
    """A plateau epoch and the curve it was read from.

    Attributes:
      epoch: M, a positive integer.
      metric: the curve's metric (e.g. ``"val_loss"``).
      epochs: ``[T]`` the epochs of the curve (0 is before training).
      values: ``[T]`` the curve.
      fraction: the rule's fraction.
      rule: the rule in words.
    """

    epoch: int
    metric: str
    epochs: np.ndarray
    values: np.ndarray
    fraction: float
    rule: str

    def to_dict(self) -> dict:
        return {"epoch": self.epoch, "metric": self.metric, "fraction": self.fraction}


def plateau_epoch(
    epochs: np.ndarray, values: np.ndarray, metric: str, fraction: float = 0.95
) -> Plateau:
    """Apply the plateau rule (module docstring) to a curve ``values [T]`` at ``epochs [T]``.

    ``epochs[0]`` should be the value before training (epoch 0) so the improvement is measured
    from the start. Non-finite points are ignored; a curve that never improves gives the last
    epoch.

    Args:
      epochs: ``[T]`` the epochs of the records (0 first).
      values: ``[T]`` the curve (e.g. the seed-mean validation loss).
      metric: its name (accuracies improve upwards, losses downwards).
      fraction: the share of the total improvement that marks the plateau, in ``(0, 1]``.

    Returns:
      The :class:`Plateau` (``epoch`` M >= 1, the curve and the rule in words).

    Example:
      >>> e = np.arange(8)
      >>> loss = np.array([2.3, 1.0, 0.5, 0.3, 0.21, 0.2, 0.2, 0.2])
      >>> plateau_epoch(e, loss, "val_loss").epoch   # 95% of the way: 0.305, first at 3
      3
    """
    check_range("fraction", fraction, low=0.0, high=1.0, low_open=True)
    e = np.asarray(epochs, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if e.ndim != 1 or v.shape != e.shape or e.size == 0:
        raise ValueError(f"epochs and values must be 1-D of one length, got {e.shape}, {v.shape}")
    s = v if higher_is_better(metric) else -v
    ok = np.isfinite(s)
    last = max(1, math.ceil(float(e[-1])))
    rule = (
        f"M = the first epoch at which the seed-mean {metric} achieved {fraction:.0%} of its "
        "total improvement from before training to its best (at least 1)"
    )
    if not np.any(ok) or not ok[0]:
        return Plateau(last, metric, e, v, float(fraction), rule)
    start, best = s[0], np.nanmax(np.where(ok, s, np.nan))
    if best <= start:
        return Plateau(last, metric, e, v, float(fraction), rule)
    reached = ok & (s - start >= fraction * (best - start))
    m = max(1, math.ceil(float(e[int(np.argmax(reached))])))
    return Plateau(m, metric, e, v, float(fraction), rule)
