"""``update_throughput``: how fast an optimizer update runs, against the device's bandwidth.

An optimizer update is memory-bound: it does a few flops per parameter and must stream the
parameters, gradients and state through memory (:mod:`jaxscape.bench.bytes`). So the honest
figure is the fraction of the device's copy bandwidth it reaches,

.. math::

    \\text{fraction} = \\frac{\\text{bytes moved} / t_\\text{update}}{\\text{copy bandwidth}},

with the copy bandwidth measured in the same run, at the same size, interleaved repeat by repeat
with the updates (a donated ``x + 1`` pass, and torch ``copy_``/``add_`` when torch is the peer;
the fastest repeat of the fastest pass counts). At small sizes both are dominated by the cost of
launching a call, and the fraction says little; it means something once a pass takes well over
a few microseconds.
"""

from __future__ import annotations

import dataclasses
import gc
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
from tqdm.auto import tqdm

from jaxscape._checks import check_positive_int
from jaxscape.bench._registry import (
    LR,
    TORCH_PEERS,
    parse_size,
    peer_name,
    resolve,
    size_label,
)
from jaxscape.bench._runners import (
    JAX_VARIANTS,
    TORCH_VARIANTS,
    copy_runners,
    jax_runner,
    leaf_sizes,
    shapes,
)
from jaxscape.bench._timing import (
    Timing,
    available_memory_bytes,
    environment,
    load_average,
    measure_interleaved,
)
from jaxscape.bench._torch_peer import child_environment, run_torch_group
from jaxscape.bench.bytes import UpdateBytes, update_bytes
from jaxscape.bench.result import UpdateRow, UpdateThroughput

#: Fraction of the free memory a run may hold when no ``memory_budget`` is given.
MEMORY_FRACTION = 0.7


@dataclass(frozen=True)
class _Job:
    """One (optimizer, size, variant) to time: its bytes, its resident memory, its runner."""

    name: str
    variant: str
    total: int
    counted: UpdateBytes
    need: int
    make: Callable[[], Any] | None  # the JAX runner's factory; None for a torch peer
    peer: str | None = None  # the torch peer's name (timed in a child process)


def update_throughput(
    transformations: Mapping[str, Any] | Sequence[str],
    sizes: Sequence[int | str] = ("1M", "16M"),
    *,
    leaves: int = 100,
    dtype: Any = "float32",
    variants: Sequence[str] = JAX_VARIANTS,
    repeats: int = 5,
    warmup: int = 2,
    torch_peers: bool = False,
    memory_budget: int | None = None,
    progress: bool = True,
) -> UpdateThroughput:
    """Time one optimizer update of each transformation at each size, beside the bandwidth.

    Args:
      transformations: names known to ``jaxscape bench`` (``"adam"``, ``"sgd"``,
        ``"momentum"``, ``"adamw"``, ``"rmsprop"``, ``"optax.adam"``, ...), or a mapping of
        names to optax ``GradientTransformation`` objects or zero-argument factories of one (a
        mapping value ``None`` looks the name up).
      sizes: parameter counts, ints or text such as ``"1M"``, ``"16.8M"``, ``"1B"``.
      leaves: buffers the ``tree``/``donated`` variants split the parameters into (a realistic
        model has about 100; 1 is one flat buffer).
      dtype: parameter dtype (``"float32"``, ``"bfloat16"``, ...).
      variants: any of ``"tree"`` (per-leaf, jitted), ``"donated"`` (per-leaf, buffers
        donated, updated in place) and ``"flat"`` (one donated buffer).
      repeats: timed repeats; rows give the median and the spread. Variants of one
        (optimizer, size) are interleaved repeat by repeat, so a slow period hits them alike.
      warmup: untimed calls first (compilation, allocation).
      torch_peers: also time ``torch.optim``'s ``foreach`` and ``fused`` versions of each named
        optimizer that has one (rows ``torch.<name>``), in a child process that never imports
        JAX (a ``RuntimeError`` carrying its stderr if it fails); a note says so when torch is
        missing. On a shared CPU, read them from a run on idle cores: torch's spinning OpenMP
        threads collapse when another process holds a core (see :mod:`._torch_peer`).
      memory_budget: bytes a run may hold (default: 70% of the free device memory). A
        (size, variant) over it is skipped with a note, never a crash.
      progress: show a progress bar.

    Returns:
      An :class:`~jaxscape.bench.UpdateThroughput` with one row per (size, optimizer, variant).

    Raises:
      ValueError/TypeError: an unknown name, a bad size, variant, dtype or count, before
        anything is timed.

    Example:
      >>> res = update_throughput(["sgd"], [1000], leaves=2, variants=["flat"], repeats=1,
      ...                         warmup=1, progress=False)
      >>> row = res.rows[0]
      >>> row.optimizer, row.variant, row.bytes_moved // row.params, row.ms > 0
      ('sgd', 'flat', 20, True)
    """
    txs = resolve(transformations)
    totals, dt = _check_args(sizes, leaves, dtype, variants, repeats, warmup)
    notes: list[str] = []
    if torch_peers and importlib.util.find_spec("torch") is None:
        notes.append("torch is not installed: no torch.optim peer rows")
        torch_peers = False
    env = environment()  # load average at the start; the end is added below
    if torch_peers:
        env["torch peers"] = child_environment()
    free = available_memory_bytes()
    budget = memory_budget if memory_budget is not None else _default_budget(free)
    jobs, rows, order = _plan(txs, totals, leaves, dt, variants, torch_peers, budget, notes)
    if progress and notes:
        print("\n".join(f"note: {n}" for n in notes))
    bar = tqdm(total=len(jobs), disable=not progress, desc="bench", unit="update")
    try:
        for total in totals:
            todo = [j for j in jobs if j.total == total]
            if todo:
                timing = (warmup, repeats)
                rows += _time_size(todo, leaves, dt, torch_peers, budget, timing, bar)
    finally:
        bar.close()
    rows.sort(key=lambda r: order[(r.params, r.optimizer, r.variant)])
    settings = {
        "sizes": totals,
        "leaves": leaves,
        "dtype": dt.name,
        "variants": list(variants),
        "repeats": repeats,
        "warmup": warmup,
        "torch_peers": torch_peers,
        "memory_budget": budget,
    }
    return UpdateThroughput(
        tuple(rows), {**env, "load average (end)": load_average()}, settings, tuple(notes)
    )


def _check_args(sizes, leaves, dtype, variants, repeats, warmup):
    leaves = check_positive_int("leaves", leaves)
    check_positive_int("repeats", repeats)
    check_positive_int("warmup", warmup, allow_zero=True)
    if isinstance(sizes, str | int):
        sizes = [sizes]
    totals = [parse_size(s) for s in sizes]
    if not totals:
        raise ValueError("sizes is empty")
    for text, total in zip(sizes, totals, strict=True):
        if total < leaves:
            raise ValueError(f"sizes: {text!r} is smaller than leaves ({leaves})")
    try:
        dt = jnp.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype: not a dtype: {dtype!r}") from err
    if not jnp.issubdtype(dt, jnp.floating):
        raise ValueError(f"dtype must be a floating dtype, got {dt.name}")
    if isinstance(variants, str) or not variants:
        raise ValueError(f"variants must be a non-empty list of {JAX_VARIANTS}")
    for v in variants:
        if v not in JAX_VARIANTS:
            raise ValueError(f"variants: unknown {v!r}; choose from {', '.join(JAX_VARIANTS)}")
    return list(dict.fromkeys(totals)), dt


def _default_budget(free: int | None) -> int | None:
    return None if free is None else int(MEMORY_FRACTION * free)


def _plan(txs, totals, leaves, dt, variants, torch_peers, budget, notes):
    """Jobs that fit the budget; rows (with notes) for those that do not; the rows' order.

    Nothing runs here."""
    jobs, rows, order = [], [], {}
    for total in totals:
        copy_need = 3 * total * dt.itemsize
        if budget is not None and copy_need > budget:
            notes.append(
                f"{size_label(total)}: skipped, the copy pass alone needs {_gib(copy_need)}"
            )
        peers_done: set[str] = set()
        for name, tx in txs.items():
            cands = [(name, v, tx) for v in variants]
            peer = peer_name(name) if torch_peers else None
            if peer is not None and peer not in peers_done:
                peers_done.add(peer)
                cands += [(f"torch.{peer}", v, peer) for v in TORCH_VARIANTS]
            for label, variant, what in cands:
                job = _job(label, variant, what, tx, total, leaves, dt)
                order[(total, label, variant)] = len(order)
                if budget is not None and job.need + copy_need > budget:
                    need = _gib(job.need + copy_need)
                    note = f"skipped: needs {need} with the copy pass, budget {_gib(budget)}"
                    notes.append(f"{label} {variant} {size_label(total)}: {note}")
                    rows.append(_row(job, leaves, dt, note=note))
                else:
                    jobs.append(job)
    return jobs, rows, order


def _job(label, variant, what, tx, total, leaves, dt) -> _Job:
    flat_or_tree = "tree" if variant in TORCH_VARIANTS else variant
    counted = update_bytes(tx, shapes(total, leaves, dt, flat_or_tree))
    resident = 2 * counted.params + counted.state
    if variant == "tree":  # not donated: new parameters and state beside the old ones
        resident += counted.params + counted.state
    if isinstance(what, str):
        return _Job(label, variant, total, counted, resident, None, peer=what)
    make = lambda: jax_runner(what, total, leaves, dt, variant)
    return _Job(label, variant, total, counted, resident, make)


def _row(job: _Job, leaves: int, dt, **values) -> UpdateRow:
    n_leaves = 1 if job.variant == "flat" else leaves
    return UpdateRow(
        job.name, job.variant, job.total, n_leaves, dt.name, job.counted.moved, **values
    )


def _time_size(jobs, leaves, dt, torch_peers, budget, timing, bar) -> list[UpdateRow]:
    """Time every job of one size, interleaving the variants that fit in memory together.

    The copy passes run in every group, interleaved with the updates, so a slow period of a
    shared machine slows both alike; the size's copy bandwidth is the device's best: the fastest
    repeat of the fastest pass (``2 * total * itemsize`` bytes per pass: one read, one write),
    so the fraction of it an update's median reaches is a conservative figure. Torch groups run
    in a child process that never imports JAX (:mod:`._torch_peer`): in one process the two
    libraries' CPU thread pools starve each other.
    """
    total = jobs[0].total
    copies = copy_runners(total, dt)
    reserve = 3 * total * dt.itemsize
    rows, timed, copy_bw = [], [], 0.0
    jobs = sorted(jobs, key=_is_torch)
    for group in _groups(jobs, None if budget is None else budget - reserve):
        time_group = _time_torch_group if _is_torch(group[0]) else _time_jax_group
        got_rows, got_timed, passes = time_group(group, copies, leaves, dt, timing)
        rows += got_rows
        timed += got_timed
        copy_bw = max(copy_bw, *(2 * total * dt.itemsize / t.minimum for t in passes))
        bar.update(len(group))
        gc.collect()
    return rows + [_timed_row(job, t, copy_bw, leaves, dt) for job, t in timed]


def _time_jax_group(group, copies, leaves, dt, timing):
    """``([], [(job, Timing)], [copy-pass Timing])`` of one group of JAX jobs."""
    warmup, repeats = timing
    runs = {**copies, **{f"{j.name}/{j.variant}": j.make() for j in group}}
    timings = measure_interleaved(runs, warmup=warmup, repeats=repeats)
    timed = [(j, timings[f"{j.name}/{j.variant}"]) for j in group]
    return [], timed, [timings[c] for c in copies]


def _time_torch_group(group, copies, leaves, dt, timing):
    """``(unavailable rows, [(job, Timing)], [copy-pass Timing])``, timed in a child process."""
    warmup, repeats = timing
    spec = {
        "total": group[0].total,
        "sizes": leaf_sizes(group[0].total, leaves),
        "dtype": dt.name,
        "lr": LR,
        "warmup": warmup,
        "repeats": repeats,
        "jobs": [
            {
                "key": f"{j.name}/{j.variant}",
                "cls": TORCH_PEERS[j.peer][0],
                "kwargs": TORCH_PEERS[j.peer][1],
                "variant": j.variant,
            }
            for j in group
        ],
    }
    answer = run_torch_group(spec)
    by_key = {f"{j.name}/{j.variant}": j for j in group}
    rows, timed = [], []
    for got in answer["jobs"]:
        job = by_key[got["key"]]
        if "error" in got:
            rows.append(_row(job, leaves, dt, note=f"unavailable: {got['error']}"))
            continue
        counted = UpdateBytes(params=got["params_bytes"], state=got["state_bytes"])
        timed.append((dataclasses.replace(job, counted=counted), Timing(**got["timing"])))
    return rows, timed, [Timing(**t) for t in answer["copies"].values()]


def _timed_row(job: _Job, t, copy_bw: float, leaves: int, dt) -> UpdateRow:
    achieved = job.counted.moved / t.median
    return _row(
        job,
        leaves,
        dt,
        ms=1e3 * t.median,
        ms_min=1e3 * t.minimum,
        ms_max=1e3 * t.maximum,
        params_per_s=job.total / t.median,
        gb_per_s=achieved / 1e9,
        copy_gb_per_s=copy_bw / 1e9,
        fraction=achieved / copy_bw,
    )


def _is_torch(job: _Job) -> bool:
    return job.variant in TORCH_VARIANTS


def _groups(jobs: list[_Job], budget: int | None) -> list[list[_Job]]:
    """Consecutive jobs of one library whose memory fits the budget together (each fits
    alone)."""
    groups: list[list[_Job]] = []
    used = 0
    for job in jobs:
        new_lib = bool(groups) and _is_torch(job) != _is_torch(groups[-1][0])
        if not groups or new_lib or (budget is not None and used + job.need > budget):
            groups.append([])
            used = 0
        groups[-1].append(job)
        used += job.need
    return groups


def _gib(n: int | float) -> str:
    return f"{n / 2**30:.2f} GiB"
