"""``population_scaling``: how a population's throughput grows with its size ``N``.

For ``N = 1, 2, 4, ...`` trials (each its own hyperparameters), the population is trained by
:func:`jaxscape.sweep` (one compiled program for all ``N``) and by a Python loop of ``N`` calls
of one jitted single run (compiled once), every trial for the same ``steps`` on the same
mini-batches. Throughput is counted in trial-steps per second, ``N * steps / run_s``; compile
time is reported apart from run time. Where the population's curve flattens, the device is
saturated; the gap to the loop's flat line is what running trials together buys.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

from jaxscape import optim
from jaxscape._checks import check_positive_int
from jaxscape.bench._single_run import make_single_run, trial_shapes, vmapped_step_bytes
from jaxscape.bench._timing import (
    available_memory_bytes,
    block,
    environment,
    load_average,
    measure,
)
from jaxscape.bench.bytes import tree_bytes
from jaxscape.bench.result import PopulationScaling, ScalingRow
from jaxscape.data import batch_indices
from jaxscape.population import sweep
from jaxscape.population.table import make_table
from jaxscape.problem import Problem

#: Fraction of the free memory the largest population may hold (three copies of its state).
MEMORY_FRACTION = 0.7


def population_sizes(max_trials: int) -> list[int]:
    """``1, 2, 4, ...`` up to ``max_trials`` (included even when not a power of two).

    >>> population_sizes(64), population_sizes(24)
    ([1, 2, 4, 8, 16, 32, 64], [1, 2, 4, 8, 16, 24])
    """
    sizes = [2**k for k in range(max_trials.bit_length()) if 2**k <= max_trials]
    return sizes if sizes[-1] == max_trials else [*sizes, max_trials]


def population_scaling(
    prob: Problem,
    optimizer: Callable[..., Any] = optim.sgd,
    hyperparams: Mapping[str, Any] | None = None,
    *,
    max_trials: int = 64,
    steps: int = 100,
    batch_size: int | None = 128,
    seed: int = 0,
    repeats: int = 1,
    loop: bool = True,
    memory_budget: int | None = None,
    progress: bool = True,
) -> PopulationScaling:
    """Trial-steps per second, compile time and memory per trial for ``N = 1, 2, 4, ...``.

    Args:
      prob: the problem (an embedded model on a dataset, or a user's).
      optimizer: a factory of ``GradientTransformation`` objects taking hyperparameters as keywords.
      hyperparams: ``{name: value or [max_trials] values}``; row ``i`` is trial ``i`` (the first
        ``N`` rows form the population of ``N``). Default: learning rates log-spaced over
        ``[1e-3, 1e-1]``.
      max_trials: the largest ``N``.
      steps: optimizer steps per trial.
      batch_size: mini-batch size (shared by every trial); ``None``: full batch.
      seed: initial weights and batch order of every trial.
      repeats: timed repeats (median); the population recompiles each time, the loop does not.
      loop: also time the loop of single jitted runs.
      memory_budget: bytes the largest population may hold (default: 70% of free memory); a
        larger ``N`` is skipped with a note.
      progress: show a progress bar.

    Returns:
      A :class:`~jaxscape.bench.PopulationScaling`, one row per ``N``.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda p: jnp.sum(p ** 2), jnp.ones(4))
      >>> res = population_scaling(prob, max_trials=2, steps=5, progress=False)
      >>> [r.trials for r in res.rows], res.rows[-1].trial_steps_per_s > 0
      ([1, 2], True)
    """
    if not isinstance(prob, Problem):
        raise TypeError(f"prob must be a jaxscape Problem, got {type(prob).__name__}")
    max_trials = check_positive_int("max_trials", max_trials)
    steps = check_positive_int("steps", steps)
    repeats = check_positive_int("repeats", repeats)
    if batch_size is not None:
        batch_size = check_positive_int("batch_size", batch_size)
    prob = _train_only(prob)
    table = _full_table(hyperparams, max_trials)
    tab = make_table(table, optimizer, seed)  # validates names and values before compiling
    if prob.data is not None and batch_size is not None and batch_size > prob.data.n_train:
        raise ValueError(f"batch_size ({batch_size}) exceeds the {prob.data.n_train} examples")
    full = prob.data is None or batch_size is None or batch_size >= prob.data.n_train
    hp0 = {k: float(v[0]) for k, v in tab.numeric.items()}
    state_bytes = tree_bytes(trial_shapes(prob, optimizer, hp0, tab.static))
    env = environment()  # load average at the start; the end is added below
    free = available_memory_bytes()
    budget = memory_budget if memory_budget is not None else _budget(free)

    x, y, idx, batch = _data(prob, batch_size, seed, steps, full)
    single, loop_compile = None, None
    if loop:
        single, loop_compile = _compile_single(prob, optimizer, tab, seed, full, idx, x, y, hp0)
    rows, notes = [], []
    sizes = population_sizes(max_trials)
    bar = tqdm(total=len(sizes), disable=not progress, desc="population", unit="N")
    try:
        for n in sizes:
            if budget is not None and 3 * n * state_bytes > budget:
                note = f"skipped: {n} trials need ~{3 * n * state_bytes / 2**30:.2f} GiB"
                notes.append(f"N={n}: {note}")
                rows.append(ScalingRow(n, steps, state_bytes_per_trial=state_bytes, note=note))
                continue
            cols = {k: v[:n] for k, v in tab.numeric.items()}
            pop = _time_population(prob, optimizer, {**cols, **tab.static}, n, steps, batch_size,
                                   seed, repeats)  # fmt: skip
            mem = vmapped_step_bytes(prob, optimizer, tab.static, hp0, n, batch) // n
            looped = {}
            if single is not None:
                looped = _time_loop(single, cols, n, steps, idx, x, y, repeats, loop_compile)
            rows.append(_scaling_row(n, steps, pop, looped, state_bytes, mem))
            bar.update(1)
    finally:
        bar.close()
    settings = {
        "problem": prob.name,
        "num_params": prob.num_params,
        "optimizer": getattr(optimizer, "__name__", type(optimizer).__name__),
        "hyperparams": {k: v.tolist() for k, v in tab.numeric.items()},
        "static": {k: repr(v) for k, v in tab.static.items()},
        "max_trials": max_trials,
        "steps": steps,
        "batch_size": batch_size,
        "seed": seed,
        "repeats": repeats,
        "memory_budget": budget,
    }
    return PopulationScaling(
        tuple(rows), {**env, "load average (end)": load_average()}, settings, tuple(notes)
    )


def _train_only(prob: Problem) -> Problem:
    """The problem without held-out splits: both sides then time training alone."""
    if prob.data is None or (prob.data.test is None and prob.data.val is None):
        return prob
    data = dataclasses.replace(prob.data, test=None, val=None)
    return dataclasses.replace(prob, data=data)


def _full_table(hyperparams: Mapping[str, Any] | None, n: int) -> dict[str, Any]:
    if hyperparams is None:
        return {"learning_rate": np.geomspace(1e-3, 1e-1, n)}
    if not isinstance(hyperparams, Mapping):
        raise TypeError(f"hyperparams must be a mapping, got {type(hyperparams).__name__}")
    if "seed" in hyperparams:
        raise ValueError("hyperparams: every trial uses the seed argument; drop the 'seed' column")
    out: dict[str, Any] = {}
    for k, v in hyperparams.items():
        if isinstance(v, bool | str) or callable(v) or np.ndim(v) > 0:
            out[k] = v
        else:
            out[k] = np.full(n, float(v))
    lengths = {k: len(v) for k, v in out.items() if np.ndim(v) > 0}
    bad = {k: m for k, m in lengths.items() if m != n}
    if bad:
        raise ValueError(f"hyperparams: columns need max_trials ({n}) values, got {bad}")
    if not lengths:
        raise ValueError("hyperparams needs a numeric column (e.g. learning_rate), one per trial")
    return out


def _budget(free: int | None) -> int | None:
    return None if free is None else int(MEMORY_FRACTION * free)


def _data(prob: Problem, batch_size, seed: int, steps: int, full: bool):
    """Training arrays, the ``[steps, B]`` batch indices and one batch's abstract shape."""
    dummy = jnp.zeros((1,), jnp.float32)
    if prob.data is None:
        return dummy, dummy, jnp.zeros((steps,), jnp.int32), None
    x, y = prob.data.train.x, prob.data.train.y
    if full:
        return x, y, jnp.zeros((steps,), jnp.int32), (x, y)
    idx = jnp.asarray(batch_indices(seed, prob.data.n_train, batch_size, 0, steps))
    shape = lambda a: jax.ShapeDtypeStruct((batch_size, *a.shape[1:]), a.dtype)
    return x, y, idx, (shape(x), shape(y))


def _compile_single(prob, optimizer, tab, seed, full, idx, x, y, hp0):
    single = make_single_run(prob, optimizer, tab.static, seed, full)
    hp = {k: jnp.float32(v) for k, v in hp0.items()}
    tic = time.perf_counter()
    compiled = single.lower(hp, idx, x, y).compile()
    return compiled, time.perf_counter() - tic


def _time_population(prob, optimizer, table, n, steps, batch_size, seed, repeats) -> dict:
    runs = [
        sweep(prob, optimizer, table, steps=steps, batch_size=batch_size, seed=seed,
              eval_every=steps, progress=False).info
        for _ in range(repeats)
    ]  # fmt: skip
    return {
        "compile_s": float(np.median([r["compile_s"] for r in runs])),
        "run_s": float(np.median([r["run_s"] for r in runs])),
        "chunk": int(runs[0]["chunk_size"]),
        "group": runs[0].get("group_size"),
    }


def _time_loop(single, cols, n, steps, idx, x, y, repeats, compile_s) -> dict:
    hps = [{k: jnp.float32(v[i]) for k, v in cols.items()} for i in range(n)]
    # one untimed run first, so every N is timed alike (only the first call of an executable
    # pays for its first-run allocations)
    block(single(hps[0], idx, x, y))
    t = measure(lambda: [single(hp, idx, x, y) for hp in hps], warmup=0, repeats=repeats)
    return {"loop_compile_s": compile_s, "loop_run_s": t.median}


def _scaling_row(n, steps, pop, looped, state_bytes, mem) -> ScalingRow:
    run_s, loop_s = pop["run_s"], looped.get("loop_run_s")
    return ScalingRow(
        trials=n,
        steps=steps,
        compile_s=pop["compile_s"],
        run_s=run_s,
        trial_steps_per_s=n * steps / run_s,
        loop_compile_s=looped.get("loop_compile_s"),
        loop_run_s=loop_s,
        loop_trial_steps_per_s=None if loop_s is None else n * steps / loop_s,
        speedup=None if loop_s is None else loop_s / run_s,
        state_bytes_per_trial=state_bytes,
        memory_per_trial=mem,
        chunk=pop["chunk"],
        group=pop["group"],
    )
