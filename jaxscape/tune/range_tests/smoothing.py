"""Smoothing and stopping rules of a learning-rate ramp (the rules fastai, Lightning and
torch-lr-finder apply to the per-step loss before reading a suggestion from it).

* :func:`ema` — exponential moving average, with or without bias correction:
  ``v_t = beta v_{t-1} + (1 - beta) l_t``; fastai and Lightning report ``v_t / (1 - beta^t)``
  (``beta = 0.98``), torch-lr-finder reports ``v_t`` seeded with the first loss
  (``beta = 0.95``, no correction).
* :func:`stop_index` — the first step whose smoothed loss exceeds ``factor`` times the best
  smoothed loss so far (fastai and Lightning: 4, torch-lr-finder: 5); the ramp stops there.

References:
  J. Howard and S. Gugger, "Fastai: A Layered API for Deep Learning", Information 11(2), 2020
  (``AvgSmoothLoss``, ``LRFinder``'s ``stop_div``). PyTorch Lightning, ``Tuner.lr_find``
  (``early_stop_threshold``). D. Silva, torch-lr-finder (``smooth_f``, ``diverge_th``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jaxscape._checks import check_range


def ema(losses: Sequence[float] | np.ndarray, beta: float = 0.98, bias_correction: bool = True):
    r"""Exponential moving average of a loss curve.

    With bias correction (fastai's ``AvgSmoothLoss``, Lightning's ``lr_find``):
    :math:`v_0 = 0`, :math:`v_t = \beta v_{t-1} + (1 - \beta) \ell_t`,
    :math:`\hat\ell_t = v_t / (1 - \beta^t)`. Without it (torch-lr-finder):
    :math:`\hat\ell_1 = \ell_1`, :math:`\hat\ell_t = \beta \hat\ell_{t-1} + (1 - \beta) \ell_t`.
    A non-finite loss makes every later value non-finite, as in those tools.

    Args:
      losses: ``[T]`` losses in step order.
      beta: :math:`\beta \in [0, 1)`; 0 returns the losses unchanged.
      bias_correction: divide by :math:`1 - \beta^t`.

    Returns:
      ``[T]`` float64 smoothed losses.

    Example:
      >>> ema([1.0, 1.0, 1.0]).round(6).tolist()   # bias correction keeps a constant constant
      [1.0, 1.0, 1.0]
      >>> ema([2.0, 0.0], beta=0.5, bias_correction=False).tolist()
      [2.0, 1.0]
    """
    check_range("beta", beta, low=0.0, high=1.0, high_open=True)
    x = np.asarray(losses, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"losses must be 1-D, got shape {x.shape}")
    out = np.empty_like(x)
    if x.size == 0:
        return out
    if bias_correction:
        v = 0.0
        for t, value in enumerate(x, start=1):
            v = beta * v + (1.0 - beta) * value
            out[t - 1] = v / (1.0 - beta**t)
    else:
        out[0] = x[0]
        for t in range(1, x.size):
            out[t] = beta * out[t - 1] + (1.0 - beta) * x[t]
    return out


def stop_index(smoothed: Sequence[float] | np.ndarray, factor: float = 4.0) -> int | None:
    """Index of the first point whose value exceeds ``factor`` times the best value so far.

    A non-finite value also stops the ramp. This is where fastai (``stop_div``, factor 4),
    Lightning (``early_stop_threshold=4``) and torch-lr-finder (``diverge_th=5``) end the test;
    the learning rate there is the ramp's *divergence point*.

    Args:
      smoothed: ``[T]`` smoothed losses.
      factor: the threshold ``> 1``.

    Returns:
      The index, or ``None`` when the curve never diverges.

    Example:
      >>> stop_index([3.0, 2.0, 1.0, 2.0, 4.5, 9.0])
      4
      >>> stop_index([3.0, 2.0, 1.0]) is None
      True
    """
    check_range("factor", factor, low=1.0, low_open=True)
    x = np.asarray(smoothed, dtype=np.float64)
    best = np.inf
    for i, value in enumerate(x):
        if not np.isfinite(value):
            return i
        best = min(best, value)
        if value > factor * best:
            return i
    return None
