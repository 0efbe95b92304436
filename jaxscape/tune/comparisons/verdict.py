"""``Verdict``: does a variant beat its baseline? An effect size, its spread and a stated rule.

Baseline and variant are trained with the same seeds (same initial weights and mini-batches per
seed), so the comparison is *paired*: the per-seed differences ``d_s`` of the final validation
metric (signed so that positive means the variant is better) give the effect
``mean(d)`` and its standard error ``std(d, ddof=1) / sqrt(S)``. The rule: adopt the variant only
when the mean improvement exceeds ``k`` standard errors (``k = 2`` by default: roughly a 95%
bar, a loose one with a handful of seeds, where the standard error is itself noisy) *and*
``min_effect``, the variant never diverged, and there are at least two seeds (one seed has no
spread, so it cannot decide). Otherwise the baseline — the simpler choice — is kept.

Formulas: with ``d_s = sign * (variant_s - baseline_s)`` over the ``n`` seeds both finished
(``sign = +1`` for accuracies, ``-1`` for losses),

  effect = mean(d),   se = std(d, ddof=1) / sqrt(n),
  adopt  <=>  n >= 2, the variant never diverged, effect > k * se and effect > min_effect,

i.e. the paired t statistic ``effect / se`` exceeds ``k`` (and the effect ``min_effect``).

References:
  Student, "The probable error of a mean", Biometrika 6(1), 1908 (the paired t statistic).
  J. Cohen, "Statistical Power Analysis for the Behavioral Sciences", 2nd ed., 1988 (effect
  sizes). X. Bouthillier et al., "Accounting for Variance in Machine Learning Benchmarks",
  MLSys 2021 (paired comparisons over seeds).
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
class Verdict:
    """The paired comparison of one variant with its baseline.

    Attributes:
      variant: the variant's name (e.g. ``"momentum 0.7"``).
      baseline_name: the baseline's name.
      metric: the compared metric (its final value), e.g. ``"val_accuracy"``.
      baseline: ``[S]`` the baseline's final metric per seed (NaN if it diverged).
      candidate: ``[S]`` the variant's final metric per seed (NaN if it diverged).
      effect: mean improvement over the seeds both finished (positive: variant better).
      se: its standard error (NaN with fewer than two pairs).
      n: the number of pairs used.
      k: the rule's threshold in standard errors.
      min_effect: the smallest improvement worth a change.
      adopt: whether the rule says to use the variant.
      reason: the decision in words, with the numbers.
    """

    variant: str
    baseline_name: str
    metric: str
    baseline: np.ndarray
    candidate: np.ndarray
    effect: float
    se: float
    n: int
    k: float
    min_effect: float
    adopt: bool
    reason: str

    def to_dict(self) -> dict:
        def clean(v):
            return None if not math.isfinite(v) else float(v)

        return {
            "variant": self.variant,
            "baseline": self.baseline_name,
            "metric": self.metric,
            "baseline_final": [clean(float(v)) for v in self.baseline],
            "variant_final": [clean(float(v)) for v in self.candidate],
            "effect": clean(self.effect),
            "se": clean(self.se),
            "n": self.n,
            "k": self.k,
            "min_effect": self.min_effect,
            "adopt": self.adopt,
            "reason": self.reason,
        }


def paired_verdict(
    baseline: np.ndarray,
    variant: np.ndarray,
    *,
    metric: str,
    variant_name: str = "variant",
    baseline_name: str = "baseline",
    k: float = 2.0,
    min_effect: float = 0.0,
) -> Verdict:
    """Compare per-seed final values of a variant with its baseline (see the module docstring).

    Args:
      baseline: ``[S]`` final metric of the baseline per seed (NaN: diverged).
      variant: ``[S]`` final metric of the variant for the same seeds.
      metric: the metric's name; accuracies are higher-is-better, losses lower-is-better.
      k: adopt only above ``k`` standard errors.
      min_effect: and only above this improvement (in the metric's units).
      variant_name, baseline_name: the names the reason uses.

    Returns:
      A :class:`Verdict` with the effect, its standard error, ``adopt`` and the reason.

    Example:
      >>> v = paired_verdict(np.array([0.90, 0.91, 0.92]), np.array([0.93, 0.935, 0.95]),
      ...                    metric="val_accuracy")
      >>> round(v.effect, 4), v.adopt
      (0.0283, True)
    """
    check_range("k", k, low=0.0)
    check_range("min_effect", min_effect, low=0.0)
    b = np.asarray(baseline, dtype=np.float64).ravel()
    c = np.asarray(variant, dtype=np.float64).ravel()
    if b.shape != c.shape or b.size == 0:
        raise ValueError(f"baseline and variant must be [S] with S >= 1, got {b.shape}, {c.shape}")
    sign = 1.0 if higher_is_better(metric) else -1.0
    both = np.isfinite(b) & np.isfinite(c)
    d = sign * (c[both] - b[both])
    n = int(d.size)
    effect = float(d.mean()) if n else float("nan")
    se = float(d.std(ddof=1) / math.sqrt(n)) if n >= 2 else float("nan")
    lost = int(np.sum(~np.isfinite(c)))
    base_lost = int(np.sum(~np.isfinite(b)))
    numbers = (
        f"{variant_name} vs {baseline_name}: final {metric} "
        f"{np.nanmean(c) if np.any(np.isfinite(c)) else float('nan'):.4g} vs "
        f"{np.nanmean(b) if np.any(np.isfinite(b)) else float('nan'):.4g}; improvement "
        f"{effect:+.4g} ± {se:.2g} (mean ± SE of {n} paired seed(s))"
    )
    if lost:
        adopt, why = False, f"the variant diverged in {lost} of {c.size} seed(s)"
    elif n < 2:
        adopt, why = False, "fewer than two paired seeds: no spread, so no decision"
    elif effect > k * se and effect > min_effect:
        adopt, why = (
            True,
            f"the improvement exceeds {k:g} SE"
            + (f" and {min_effect:g}" if min_effect > 0 else ""),
        )
    else:
        adopt = False
        why = f"the improvement does not exceed {k:g} SE" + (
            f" and {min_effect:g}" if min_effect > 0 else ""
        )
    if base_lost and not lost:
        why += f" (the baseline diverged in {base_lost} seed(s))"
    reason = f"{numbers}. {'Adopt' if adopt else 'Keep the baseline'}: {why}."
    return Verdict(
        variant=variant_name,
        baseline_name=baseline_name,
        metric=metric,
        baseline=b,
        candidate=c,
        effect=effect,
        se=se,
        n=n,
        k=float(k),
        min_effect=float(min_effect),
        adopt=adopt,
        reason=reason,
    )
