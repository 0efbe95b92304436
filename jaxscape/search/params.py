"""The kinds of a search-space parameter: how a value is drawn, bounded and perturbed.

Every kind is a frozen dataclass with

* ``sample(rng, n) -> [n]`` values drawn from its law with a ``np.random.Generator``;
* ``clip(values) -> values`` the nearest values inside the kind's support;
* ``log`` — whether plots and "nearby" moves should use a log scale.

The laws, for ``u ~ U(0, 1)``:

=========================  ==========================================================
``uniform(a, b)``          :math:`a + (b - a) u`
``log_uniform(a, b)``      :math:`\\exp(\\log a + (\\log b - \\log a) u)`, ``0 < a < b``
``reverse_log_uniform``    :math:`1 - \\exp(\\log(1-b) + (\\log(1-a) - \\log(1-b)) u)`:
                           ``1 - x`` is log-uniform, for values near 1 (momentum, betas)
``int_uniform(a, b)``      every integer of ``[a, b]`` with probability ``1 / (b - a + 1)``
``categorical(values)``    every value with probability ``1 / len(values)``
``fixed(value)``           always ``value``
=========================  ==========================================================

>>> import numpy as np
>>> from jaxscape.search import reverse_log_uniform
>>> x = reverse_log_uniform(0.9, 0.999).sample(np.random.default_rng(0), 1000)
>>> bool(np.all((x >= 0.9) & (x <= 0.999)))
True
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _interval(kind: str, lo: Any, hi: Any) -> tuple[float, float]:
    lo, hi = _number(f"{kind} lo", lo), _number(f"{kind} hi", hi)
    if not lo < hi:
        raise ValueError(f"{kind}(lo, hi) needs lo < hi, got lo={lo}, hi={hi}")
    return lo, hi


@dataclass(frozen=True)
class Uniform:
    """A real value uniform on ``[lo, hi]``."""

    lo: float
    hi: float
    log = False

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.lo + (self.hi - self.lo) * rng.random(n)

    def clip(self, values: Any) -> np.ndarray:
        return np.clip(np.asarray(values, np.float64), self.lo, self.hi)


@dataclass(frozen=True)
class LogUniform(Uniform):
    """A positive value whose logarithm is uniform on ``[log lo, log hi]``."""

    log = True

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        a, b = math.log(self.lo), math.log(self.hi)
        return np.exp(a + (b - a) * rng.random(n))


@dataclass(frozen=True)
class ReverseLogUniform(Uniform):
    """A value below 1 whose distance to 1, ``1 - x``, is log-uniform on ``[1-hi, 1-lo]``."""

    log = True

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        a, b = math.log1p(-self.hi), math.log1p(-self.lo)
        return -np.expm1(a + (b - a) * rng.random(n))


@dataclass(frozen=True)
class IntUniform:
    """An integer uniform on ``{lo, lo + 1, ..., hi}``."""

    lo: int
    hi: int
    log = False

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.integers(self.lo, self.hi + 1, size=n).astype(np.int64)

    def clip(self, values: Any) -> np.ndarray:
        return np.clip(np.round(np.asarray(values, np.float64)), self.lo, self.hi).astype(np.int64)


@dataclass(frozen=True)
class Categorical:
    """One of ``values`` (numbers, strings or bools), each equally likely."""

    values: tuple[Any, ...]
    log = False

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        picks = rng.integers(0, len(self.values), size=n)
        out = np.empty(n, dtype=object)
        out[:] = [self.values[i] for i in picks]
        return out

    def clip(self, values: Any) -> np.ndarray:
        for v in np.atleast_1d(np.asarray(values, dtype=object)):
            if v not in self.values:
                raise ValueError(f"{v!r} is not one of {list(self.values)}")
        return np.asarray(values, dtype=object)


@dataclass(frozen=True)
class Fixed:
    """Always ``value``."""

    value: Any
    log = False

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        out = np.empty(n, dtype=object)
        out[:] = [self.value] * n
        return out

    def clip(self, values: Any) -> np.ndarray:
        return np.asarray(values, dtype=object)


Param = Uniform | IntUniform | Categorical | Fixed


def uniform(lo: float, hi: float) -> Uniform:
    """A real value uniform on ``[lo, hi]`` (``lo < hi``).

    >>> uniform(0.0, 1.0)
    Uniform(lo=0.0, hi=1.0)
    """
    return Uniform(*_interval("uniform", lo, hi))


def log_uniform(lo: float, hi: float) -> LogUniform:
    """A value log-uniform on ``[lo, hi]``, ``0 < lo < hi`` (learning rates, weight decay).

    >>> log_uniform(1e-4, 1.0).log
    True
    """
    lo, hi = _interval("log_uniform", lo, hi)
    if lo <= 0:
        raise ValueError(f"log_uniform(lo, hi) needs 0 < lo; the range [{lo}, {hi}] reaches 0")
    return LogUniform(lo, hi)


def reverse_log_uniform(lo: float, hi: float) -> ReverseLogUniform:
    """A value in ``[lo, hi]``, ``lo < hi < 1``, with ``1 - value`` log-uniform.

    ``reverse_log_uniform(0.9, 0.999)`` draws ``1 - β`` log-uniformly in ``[0.001, 0.1]``: as
    many draws in ``[0.99, 0.999]`` as in ``[0.9, 0.99]``, the spacing momentum and Adam's
    betas need.

    >>> reverse_log_uniform(0.9, 0.999)
    ReverseLogUniform(lo=0.9, hi=0.999)
    """
    lo, hi = _interval("reverse_log_uniform", lo, hi)
    if hi >= 1:
        raise ValueError(
            f"reverse_log_uniform(lo, hi) needs hi < 1 (1 - x must stay positive), got hi={hi}"
        )
    return ReverseLogUniform(lo, hi)


def int_uniform(lo: int, hi: int) -> IntUniform:
    """An integer uniform on ``{lo, ..., hi}`` (``lo < hi``).

    >>> int_uniform(1, 4)
    IntUniform(lo=1, hi=4)
    """
    for name, v in (("lo", lo), ("hi", hi)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"int_uniform {name} must be an int, got {v!r}")
    if not lo < hi:
        raise ValueError(f"int_uniform(lo, hi) needs lo < hi, got lo={lo}, hi={hi}")
    return IntUniform(int(lo), int(hi))


def categorical(values: Any) -> Categorical:
    """One of ``values``, each equally likely (at least two distinct values).

    >>> categorical([32, 64, 128]).values
    (32, 64, 128)
    """
    if isinstance(values, str) or not hasattr(values, "__iter__"):
        raise TypeError(f"categorical needs a list of values, got {values!r}")
    values = tuple(values)
    if len(values) < 2 or len(set(values)) != len(values):
        raise ValueError(f"categorical needs at least two distinct values, got {list(values)}")
    return Categorical(values)


def fixed(value: Any) -> Fixed:
    """A value that every configuration shares.

    >>> fixed(0.9).value
    0.9
    """
    return Fixed(value)
