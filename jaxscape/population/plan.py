"""How a population run is cut up: trial chunks (memory, cache, devices) and compiled calls."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Plan:
    """The shape of a run.

    Attributes:
      chunk: trials per chunk (a multiple of the device count; the last chunk is padded).
      calls: ``(windows, window_steps)`` of each compiled call, in order; every chunk runs all
        of them. At most two distinct shapes, so at most two compilations.
      record_steps: ``[T]`` the step counts at which metrics are recorded (end of each window).
      record_initial: record the starting point too, as the first column (before
        ``record_steps``).
    """

    chunk: int
    calls: tuple[tuple[int, int], ...]
    record_steps: np.ndarray
    record_initial: bool = False

    def chunks(self, n: int, start: int = 0) -> list[tuple[int, int]]:
        """``(start, stop)`` trial ranges of the chunks of trials ``[start, n)``."""
        return [(s, min(s + self.chunk, n)) for s in range(start, n, self.chunk)]

    @property
    def steps(self) -> int:
        return sum(w * e for w, e in self.calls)

    @property
    def n_records(self) -> int:
        """Recorded columns ``T``: one per window, plus the start with ``record_initial``."""
        return len(self.record_steps) + int(self.record_initial)

    def done_before(self, call: int) -> tuple[int, int]:
        """``(steps, windows)`` a chunk has run before its call ``call``."""
        return sum(w * e for w, e in self.calls[:call]), sum(w for w, _ in self.calls[:call])


def divisor_at_most(n: int, limit: int) -> int:
    """The largest divisor of ``n`` that is ``<= limit`` (at least 1)."""
    limit = max(1, min(n, limit))
    return max(d for d in range(1, limit + 1) if n % d == 0)


def plan_calls(
    steps: int, eval_every: int, *, target_calls: int = 10, windows_per_call: int | None = None
) -> tuple[tuple[tuple[int, int], ...], np.ndarray]:
    """Cut ``steps`` into compiled calls of whole evaluation windows.

    Windows of ``eval_every`` steps are grouped ``windows_per_call`` at a time (by default the
    largest divisor of the window count giving about ``target_calls`` calls, so that every call
    has the same shape); a remainder of ``steps % eval_every`` steps forms one last short window.

    >>> calls, record = plan_calls(500, 50)
    >>> calls[:2], len(calls), record[-3:].tolist()
    (((1, 50), (1, 50)), 10, [400, 450, 500])
    >>> plan_calls(105, 10, target_calls=2)[0]
    ((5, 10), (5, 10), (1, 5))
    """
    full, rem = divmod(steps, eval_every)
    calls: list[tuple[int, int]] = []
    if full:
        wpc = windows_per_call or divisor_at_most(full, math.ceil(full / target_calls))
        wpc = divisor_at_most(full, wpc)
        calls += [(wpc, eval_every)] * (full // wpc)
    if rem:
        calls.append((1, rem))
    record = np.arange(1, full + 1) * eval_every
    if rem:
        record = np.append(record, steps)
    return tuple(calls), record.astype(np.int64)


def ladder_up(n: int) -> int:
    """The smallest size ``>= n`` of the form ``2^j`` or ``3 * 2^j``: populations are padded to
    these few sizes so that programs are shared (at most a third of a chunk is padding).

    >>> [ladder_up(n) for n in (1, 3, 5, 7, 13, 40, 64, 65)]
    [1, 3, 6, 8, 16, 48, 64, 96]
    """
    size = 1
    while size < n:
        size = size * 3 // 2 if size > 1 and size & (size - 1) == 0 else size * 4 // 3
        size = max(size, 2)
    return size


def ladder_down(n: int) -> int:
    """The largest ladder size (see :func:`ladder_up`) ``<= n`` (at least 1).

    >>> [ladder_down(n) for n in (1, 5, 20, 47, 48)]
    [1, 4, 16, 32, 48]
    """
    size = ladder_up(max(1, n))
    while size > n and size > 1:
        size = size * 3 // 4 if size & (size - 1) == 0 else size * 2 // 3
    return max(size, 1)


def ladder_chunk(n: int, n_devices: int, fit: int, *, exact: bool = False) -> int:
    """Trials per chunk: a ladder size per device (see :func:`ladder_up`; with ``exact`` the
    population's own size per device), at most ``fit`` in all when the population needs more
    (then a ladder size), a multiple of the device count.

    >>> ladder_chunk(40, 1, 1000), ladder_chunk(40, 1, 20), ladder_chunk(10, 4, 1000)
    (48, 16, 12)
    >>> ladder_chunk(40, 1, 1000, exact=True), ladder_chunk(40, 1, 20, exact=True)
    (40, 16)
    """
    per_device = -(-n // n_devices)
    fit_per_device = max(1, fit // n_devices)
    size = per_device if exact else ladder_up(per_device)
    if size > fit_per_device:
        size = ladder_down(fit_per_device)
    return size * n_devices


def round_up(n: int, multiple: int) -> int:
    return -(-n // multiple) * multiple


def choose_chunk(
    n: int,
    n_devices: int,
    per_trial_bytes: int,
    *,
    budget_bytes: int,
    cap: int | None = None,
) -> int:
    """Trials per chunk: at most what fits ``budget_bytes`` (and ``cap``), a multiple of the
    device count, never more than the population needs, and with as little padding of the last
    chunk as possible (sizes down to half the fit are considered; ties go to the larger).

    >>> choose_chunk(256, 1, 1_000_000, budget_bytes=64_000_000)
    64
    >>> choose_chunk(64, 1, 1, budget_bytes=10)  # 8 chunks of 8 rather than 7 of 10
    8
    >>> choose_chunk(10, 4, 1, budget_bytes=10**9)
    12
    """
    fit = max(1, budget_bytes // max(per_trial_bytes, 1))
    if cap is not None:
        fit = min(fit, cap)
    fit = min(fit, n)
    best = None
    for size in range(fit, max(1, fit // 2) - 1, -1):
        size = round_up(size, n_devices)
        padded = -(-n // size) * size
        if best is None or padded < best[0]:
            best = (padded, size)
    return best[1]
