"""Where ``js.sweep``'s compile and run time go: its programs built with parts switched off.

The workload of ``sweep_throughput.py`` (MLP 784-128-10, 64 learning rates x 100 steps, batch
128, SGD momentum 0.9, shared batches, training split only). Each row compiles one program and
runs it (median of ``--repeats``), timed in CPU seconds of this process (``time.process_time``,
every thread included), which a shared machine's load disturbs far less than wall time:

- the hand-written ``vmap`` + ``scan`` and the loop of jitted single runs (the two references);
- the sweep's initialisation program (one seed's ``prob.init``, compiled once per model with
  :func:`~jaxscape.population.programs.init_options`), and its ``advance`` program as
  ``js.sweep`` builds it (one vmap, the final divergence judgement under ``lax.cond`` when the
  problem has no validation split), then without the judgement (``StepConfig.steps=None``),
  which does not compute the same thing: it only shows what it costs.

Every row is compiled once per round, ``--rounds`` rounds in one process; the table is the
median of the rounds after the first: a process's first trace and compile of a kind of program
costs more (0.1-0.35 s here) whichever variant comes first, which made an earlier version of
this script, one round with the judgement's variant first, charge that warm-up to the judgement.

Run: ``python benchmarks/sweep_compile_attribution.py [--trials N --steps S --repeats R
--rounds K]``
"""

from __future__ import annotations

import argparse
import dataclasses
from time import process_time

import jax
import jax.numpy as jnp
import numpy as np
from sweep_throughput import MOMENTUM, hand_vmap, mlp_init, problem

import jaxscape as js
from jaxscape.bench._single_run import make_single_run
from jaxscape.bench._timing import format_table, load_average
from jaxscape.bench.population_scaling import _train_only
from jaxscape.data import batch_indices
from jaxscape.population.programs import init_options
from jaxscape.population.step import StepConfig, init_trials, make_advance
from jaxscape.population.table import make_table


def compiled(lower, options: dict | None = None) -> tuple[object, float, float]:
    """``(executable, trace + lowering CPU s, XLA compile CPU s)`` of ``lower()``, compiled
    with the XLA compiler ``options``."""
    tic = process_time()
    lowered = lower()
    mid = process_time()
    exe = lowered.compile(compiler_options=options) if options else lowered.compile()
    return exe, mid - tic, process_time() - mid


def run_cpu(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        tic = process_time()
        jax.block_until_ready(fn())
        times.append(process_time() - tic)
    return float(np.median(times))


def sweep_rows(prob, tab, steps: int, idx, repeats: int) -> list[list]:
    """Rows of the initialisation and of the ``advance`` variants."""
    n = tab.n
    base = StepConfig(prob=prob, optimizer=js.optim.sgd, static=tab.static, batching="shared",
                      diverge_factor=100.0, eval_batch_size=1024, record_test=False,
                      record_val=False, steps=steps)  # fmt: skip
    hp = {k: jnp.asarray(v) for k, v in tab.numeric.items()}
    seeds, slot = jnp.zeros(1, jnp.uint32), jnp.zeros(n, jnp.int32)
    dummy = jnp.zeros((1,), jnp.float32)
    data = (prob.data.train.x, prob.data.train.y, dummy, dummy, dummy, dummy)
    variants = {
        "js.sweep advance (one vmap, final judgement)": base,
        "  without the final judgement": dataclasses.replace(base, steps=None),
    }
    # the engine's initialisation: one seed's prob.init, at init_options (level 1 on a CPU)
    seed_init = jax.jit(lambda s: prob.init(jax.random.key(s)))
    options = init_options(jax.default_backend())
    exe, tr, co = compiled(lambda: seed_init.lower(np.uint32(0)), options)
    rows = [["js.sweep initialisation (one seed)", tr, co,
             run_cpu(lambda: exe(np.uint32(0)), repeats)]]  # fmt: skip
    for label, cfg in variants.items():
        init = jax.jit(lambda h, s, sl, cfg=cfg: init_trials(cfg, h, s, sl))  # the state only
        init_exe, _, _ = compiled(lambda init=init: init.lower(hp, seeds, slot))

        def args(init_exe=init_exe):
            state = init_exe(hp, seeds, slot)
            clock = (jnp.int32(0), jnp.int32(0))
            return (state, clock, slot, jnp.int32(steps), idx[None], *data)

        exe, tr, co = compiled(lambda c=cfg, a=args: jax.jit(make_advance(c, steps)).lower(*a()))
        rows.append([label, tr, co, run_cpu(lambda exe=exe, args=args: exe(*args()), repeats)])
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--trials", type=int, default=64)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--rounds", type=int, default=3, help="the first is a warm-up (>= 2)")
    args = p.parse_args()
    full, lrs = problem(args.trials)
    prob, data = _train_only(full), full.data
    tab = make_table({"learning_rate": lrs, "momentum": MOMENTUM}, js.optim.sgd, 0)
    idx = jnp.asarray(batch_indices(0, data.n_train, args.batch, 0, args.steps))
    x, y = data.train.x, data.train.y
    load = load_average()

    def one_round() -> list[list]:
        hand, hargs = hand_vmap(x.reshape(data.n_train, -1), y, idx, jnp.asarray(lrs),
                                mlp_init(jax.random.key(0)))  # fmt: skip
        exe, tr, co = compiled(lambda: hand.lower(*hargs))
        rows = [["hand vmap + scan", tr, co, run_cpu(lambda: exe(*hargs), args.repeats)]]
        single = make_single_run(prob, js.optim.sgd, tab.static, 0, False)
        hps = [{k: jnp.float32(v[i]) for k, v in tab.numeric.items()} for i in range(tab.n)]
        one, tr, co = compiled(lambda: single.lower(hps[0], idx, x, y))
        loop = run_cpu(lambda: [one(h, idx, x, y) for h in hps], args.repeats)
        rows.append(["loop of jitted single runs", tr, co, loop])
        return rows + sweep_rows(prob, tab, args.steps, idx, args.repeats)

    # the first round warms the process up (its first trace and compile of each kind of
    # program cost more, whichever variant comes first); the table is the later rounds' median
    rounds = [one_round() for _ in range(max(2, args.rounds))][1:]
    rows = [[r[0], *np.median([[c[i][j] for c in rounds] for j in (1, 2, 3)], axis=1)]
            for i, r in enumerate(rounds[0])]  # fmt: skip
    loop = rows[1][3]
    print(
        f"# MLP 784-128-10, {args.trials} rates x {args.steps} steps, batch {args.batch}; CPU "
        f"seconds (median of {args.repeats} runs; compiles: median of rounds 2..{args.rounds}, "
        f"the first warms the process up); load {load} -> {load_average()}\n"
    )
    head = ["program", "trace + lower", "XLA compile", "run", "run / loop"]
    print(format_table(head, [[*r, r[3] / loop] for r in rows]))


if __name__ == "__main__":
    main()
