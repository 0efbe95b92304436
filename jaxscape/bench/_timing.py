"""Timing helpers of :mod:`jaxscape.bench`: warm-up, synchronisation, median of repeats.

Every measurement runs a zero-argument callable ``run`` (which advances whatever state it
closes over, so donated JAX buffers and in-place torch updates are timed as they are used),
synchronises on what it returns, and reports the median over ``repeats`` timed repeats of
``inner`` calls each, after ``warmup`` untimed calls (compilation, allocation, caches).
Synchronising matters: JAX dispatches asynchronously, so a call returns before its work is
done; without :func:`block` an expensive computation would be timed as free.

>>> import jax.numpy as jnp
>>> t = measure(lambda: jnp.ones(1000) * 2, warmup=1, repeats=3)
>>> t.repeats, t.minimum <= t.median <= t.maximum
(3, True)
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    """Seconds per call: the median and the spread of ``repeats`` measurements."""

    median: float
    minimum: float
    maximum: float
    repeats: int

    @property
    def ms(self) -> float:
        """The median in milliseconds."""
        return 1e3 * self.median


def block(out: Any) -> Any:
    """Wait until ``out`` is computed: JAX arrays (any pytree) and CUDA torch tensors."""
    try:
        import jax

        jax.block_until_ready(out)
    except ImportError:  # pragma: no cover - JAX is a dependency
        pass
    torch = _loaded_torch()
    if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()
    return out


def _loaded_torch():
    import sys

    return sys.modules.get("torch")


def measure(
    run: Callable[[], Any],
    *,
    warmup: int = 2,
    repeats: int = 5,
    inner: int = 1,
    sync: Callable[[Any], Any] = block,
) -> Timing:
    """Median wall-clock seconds of one call of ``run``.

    Args:
      run: a zero-argument callable doing one unit of work; its return value is passed to
        ``sync`` so asynchronous dispatch is included in the time.
      warmup: untimed calls first (compilation, allocation).
      repeats: timed repeats; the median is reported.
      inner: calls per repeat (synchronised once at the end); the time is divided by it.
      sync: waits for a call's result (default :func:`block`).

    Returns:
      A :class:`Timing` in seconds per call.
    """
    return measure_interleaved(
        {"run": run}, warmup=warmup, repeats=repeats, inner=inner, sync=sync
    )["run"]


def measure_interleaved(
    runs: Mapping[str, Callable[[], Any]],
    *,
    warmup: int = 2,
    repeats: int = 5,
    inner: int = 1,
    sync: Callable[[Any], Any] = block,
) -> dict[str, Timing]:
    """:func:`measure` for several callables, alternating between them repeat by repeat.

    On a shared or thermally throttled machine a slow period then hits every variant alike
    instead of whichever happened to run during it, so ratios measured in one run stay fair.
    """
    if repeats < 1 or inner < 1 or warmup < 0:
        raise ValueError("repeats and inner must be >= 1 and warmup >= 0")
    for _ in range(warmup):
        for run in runs.values():
            sync(run())
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            out = None
            for _ in range(inner):
                out = run()
            sync(out)
            samples[name].append((time.perf_counter() - start) / inner)
    return {
        name: Timing(statistics.median(s), min(s), max(s), repeats) for name, s in samples.items()
    }


def available_memory_bytes() -> int | None:
    """Free memory of the default JAX device (accelerator limit, or the host's available RAM)."""
    try:
        import jax

        stats = jax.devices()[0].memory_stats() or {}
        if "bytes_limit" in stats:
            return int(stats["bytes_limit"] - stats.get("bytes_in_use", 0))
    except Exception:  # pragma: no cover - backends without memory stats
        pass
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return None


def load_average() -> str:
    """The host's 1/5/15-minute load averages (other processes slow a shared machine down)."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (OSError, AttributeError):  # pragma: no cover - not Unix
        return "unknown"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (right-aligned numbers), ready for ``benchmarks/RESULTS.md``."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| "
        + " | ".join(
            c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(r, widths, strict=True)
        )
        + " |"
        for r in cells
    ]
    return "\n".join([line, rule, *body])


def _cell(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        if v == 0 or 1e-3 <= abs(v) < 1e5:
            return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"
        return f"{v:.3g}"
    return str(v)


def _numeric(s: str) -> bool:
    try:
        float(s.rstrip("%x×"))
    except ValueError:
        return False
    return True


def environment() -> dict[str, str]:
    """Device, library versions, date (UTC) and load, recorded with every result."""
    info: dict[str, str] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "python": platform.python_version(),
        "host": _cpu_model() or f"{platform.machine()} {platform.system()}",
        "cpu cores": str(os.cpu_count()),
        "load average": load_average(),
    }
    try:
        import jax

        dev = jax.devices()[0]
        kind = str(getattr(dev, "device_kind", dev))
        same = kind.lower() == dev.platform.lower()  # a CPU's kind is "cpu": say it once
        info["device"] = dev.platform if same else f"{dev.platform}: {kind}"
        info["devices"] = str(jax.device_count())
        info["jax"] = jax.__version__
    except ImportError:  # pragma: no cover
        pass
    for name in ("jaxscape", "optax", "torch", "numpy"):  # not imported: torch stays out
        try:
            info[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            info[name] = "not installed"
    return info


def _cpu_model() -> str | None:
    """The processor's model name (Linux), e.g. ``"AMD EPYC 7B13"``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover - not Linux
        pass
    return None
