"""torch.optim peers timed in a process of their own, one that never imports JAX.

On a CPU, torch's and XLA's thread pools each claim every core; timed in one process they starve
each other (a torch fused Adam update at 16M on 2 cores: 34 ms alone, 345 ms interleaved with
JAX updates). So :func:`run_torch_group` starts ``python <this file>`` with a JSON spec on stdin;
the child imports torch (and :mod:`._timing`, loaded by path so that the ``jaxscape`` package and
JAX stay out), builds the ``foreach``/``fused`` optimizers and the ``copy_``/``add_`` passes,
times them interleaved with :func:`._timing.measure_interleaved` (same warm-up, repeats, median
and spread as the JAX rows; CUDA synchronised with ``torch.cuda.synchronize()``; CPU ops are
synchronous) and prints JSON on stdout::

    {"jax_loaded": false,
     "copies": {"torch copy_": {"median": s, "minimum": s, "maximum": s, "repeats": r}, ...},
     "jobs": [{"key": k, "timing": {...}, "params_bytes": b, "state_bytes": b} |
              {"key": k, "error": "..."}, ...]}

This module imports neither torch nor JAX at its top, so the parent may import it too.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

#: The child's script: this file, run by path (``python -m`` would import the jaxscape package).
SCRIPT = Path(__file__)

#: Settings of the child's threads worth recording with its numbers. torch's OpenMP threads
#: spin while they wait (the default policy): fastest on idle cores (fused Adam, 100 leaves, on
#: 2 cores: 1.6 ms at 1M, 13 ms at 16M), but collapsing when another process holds a core (588 ms
#: at 16M). ``OMP_WAIT_POLICY=PASSIVE`` survives the load (21 ms at 16M) but wakes sleeping
#: threads for every kernel (9.9 ms at 1M). The child inherits the caller's choice; the default
#: is torch's own.
THREAD_SETTINGS = ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def child_environment() -> str:
    """How the child runs, for the result's environment record."""
    set_ = [f"{k}={os.environ[k]}" for k in THREAD_SETTINGS if k in os.environ]
    return ", ".join(["separate process", *set_]) if set_ else "separate process, OMP defaults"


def run_torch_group(spec: Mapping[str, Any], script: Path | None = None) -> dict[str, Any]:
    """Time one group of torch peers in a child process; its parsed JSON answer.

    Args:
      spec: ``{"total", "sizes" (leaf sizes), "dtype", "lr", "warmup", "repeats",
        "jobs": [{"key", "cls", "kwargs", "variant"}]}``.
      script: the child's script (default :data:`SCRIPT`; tests plant a failing one).

    Raises:
      RuntimeError: the child exited non-zero or printed no valid answer; its stderr is in
        the message.
    """
    proc = subprocess.run(
        [sys.executable, "-P", str(script or SCRIPT)],  # -P: no jaxscape/bench on sys.path
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        answer = json.loads(proc.stdout) if proc.returncode == 0 else None
    except json.JSONDecodeError:
        answer = None
    if answer is None:
        raise RuntimeError(
            f"the torch peer process failed (exit code {proc.returncode}); its stderr:\n"
            f"{proc.stderr.strip()[-4000:] or '(empty)'}"
        )
    return answer


def torch_buffer_bytes(optimizer: Any) -> tuple[int, int]:
    """``(parameter bytes, state bytes)`` of a ``torch.optim`` optimizer after a ``step()``."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    state = [
        v
        for per_param in optimizer.state.values()
        for v in per_param.values()
        if hasattr(v, "numel") and hasattr(v, "element_size")
    ]
    size = lambda ts: int(sum(t.numel() * t.element_size() for t in ts))
    return size(params), size(state)


def _optimizer_runner(torch, spec, job, device) -> tuple[Callable[[], Any], Any]:
    """``(run, optimizer)``: one ``step()`` per call of torch.optim's ``foreach``/``fused``."""
    dtype = getattr(torch, spec["dtype"])
    params = [
        torch.full((n,), 0.01, dtype=dtype, device=device, requires_grad=True)
        for n in spec["sizes"]
    ]
    for p in params:
        p.grad = torch.full_like(p, 1e-3)
    cls = getattr(torch.optim, job["cls"])
    opt = cls(params, lr=spec["lr"], **job["kwargs"], **{job["variant"]: True})
    opt.step()  # creates the state; raises here when the variant is unsupported

    def run():
        opt.step()
        return params[0]

    return run, opt


def _copy_runners(torch, spec, device) -> dict[str, Callable[[], Any]]:
    """``copy_`` into another buffer and an in-place ``add_``: torch's copy bandwidth."""
    a = torch.ones(spec["total"], device=device, dtype=getattr(torch, spec["dtype"]))
    b = torch.empty_like(a)
    return {"torch copy_": lambda: b.copy_(a), "torch add_ (in place)": lambda: a.add_(1.0)}


def _timing_module():
    """:mod:`jaxscape.bench._timing` loaded by path: importing the package would load JAX."""
    path = Path(__file__).with_name("_timing.py")
    spec = importlib.util.spec_from_file_location("_jaxscape_bench_timing", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def _child(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Build, time and count one group (runs in the child process)."""
    import torch

    timing = _timing_module()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    sync = (lambda out: torch.cuda.synchronize()) if device == "cuda" else (lambda out: out)
    runs = _copy_runners(torch, spec, device)
    copies, jobs, counted = list(runs), [], {}
    for job in spec["jobs"]:
        try:
            runs[job["key"]], opt = _optimizer_runner(torch, spec, job, device)
        except (RuntimeError, ValueError, TypeError) as err:
            jobs.append({"key": job["key"], "error": str(err).splitlines()[0][:120]})
            continue
        counted[job["key"]] = torch_buffer_bytes(opt)
    timings = timing.measure_interleaved(
        runs, warmup=spec["warmup"], repeats=spec["repeats"], sync=sync
    )
    as_dict = lambda t: {k: getattr(t, k) for k in ("median", "minimum", "maximum", "repeats")}
    for key, (params_bytes, state_bytes) in counted.items():
        jobs.append(
            {
                "key": key,
                "timing": as_dict(timings[key]),
                "params_bytes": params_bytes,
                "state_bytes": state_bytes,
            }
        )
    return {
        "jax_loaded": "jax" in sys.modules,
        "copies": {name: as_dict(timings[name]) for name in copies},
        "jobs": jobs,
    }


if __name__ == "__main__":
    json.dump(_child(json.load(sys.stdin)), sys.stdout)
