"""The fixed cost of a sweep: a one-trial ``js.sweep`` against the same run as one jitted scan.

Workload: an MLP 64-32-10 on the embedded digits without held-out splits (both sides train
only), SGD at learning rate 0.1, batch 64, ``--steps`` steps, one trial. Three variants, warm
(every program compiled first), interleaved, best of ``--repeats``:

- ``js.sweep`` as a script calls it (``progress=False``, nothing watching): one compiled call;
- ``js.sweep`` with a ``callback`` (something watches): the usual ten calls per chunk;
- one ``jax.jit``-ed ``lax.scan`` of the same steps on the same batches (the peer).

Columns: the call's wall time, and for the sweeps ``info["run_s"]``, the engine's own clock of
the run (its chunks' calls and reading the records back; not the argument checks, the table,
the plan and the result's assembly around it).

Run: ``python benchmarks/one_trial.py [--steps 100 --repeats 30]``
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np
import optax

import jaxscape as js
from jaxscape.bench._timing import environment, format_table
from jaxscape.bench.population_scaling import _train_only
from jaxscape.data import batch_indices


def peer(prob: js.Problem, steps: int, batch: int):
    """The same run as one jitted scan (initial weights of seed 0, the sweep's batches)."""
    data = prob.data
    idx = jax.numpy.asarray(batch_indices(0, data.n_train, batch, 0, steps))
    params, state = prob.init(jax.random.key(0))
    tx = optax.sgd(0.1)

    @jax.jit
    def run(p, x, y, idx):
        def body(carry, i):
            p, o = carry
            grad_fn = jax.value_and_grad(prob.objective, has_aux=True)
            (loss, _), g = grad_fn(p, state, (x[i], y[i]))
            u, o = tx.update(g, o, p)
            return (optax.apply_updates(p, u), o), loss

        return jax.lax.scan(body, (p, tx.init(p)), idx)

    return lambda: jax.block_until_ready(run(params, data.train.x, data.train.y, idx))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--repeats", type=int, default=30)
    args = p.parse_args()
    prob = _train_only(js.Problem.from_model(js.models.MLP(hidden=(32,)), js.data.digits()))
    kw = dict(steps=args.steps, batch_size=64, progress=False)
    table = {"learning_rate": 0.1}
    variants = {
        "js.sweep, nothing watching (1 call)": lambda: js.sweep(prob, js.optim.sgd, table, **kw),
        "js.sweep with a callback (10 calls)": lambda: js.sweep(
            prob, js.optim.sgd, table, callback=lambda info: None, **kw
        ),
        "one jitted lax.scan (peer)": peer(prob, args.steps, 64),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    runs: dict[str, list[float]] = {name: [] for name in variants}  # the engine's own clock
    for fn in variants.values():
        fn()
        fn()
    for _ in range(args.repeats):
        for name, fn in variants.items():
            tic = time.perf_counter()
            out = fn()
            times[name].append(time.perf_counter() - tic)
            if isinstance(out, js.SweepResult):
                runs[name].append(out.info["run_s"])
    base = min(times["one jitted lax.scan (peer)"])
    rows = [
        [name, 1000 * min(t), 1000 * float(np.median(t)), min(t) / base,
         1000 * min(runs[name]) if runs[name] else "—",
         min(runs[name]) / base if runs[name] else "—"]
        for name, t in times.items()
    ]  # fmt: skip
    env = environment()
    print(f"{env.get('date')} | {env.get('device')} | load {env.get('load average')}")
    head = ["variant", "best ms", "median ms", "best / peer", "run_s best ms", "run_s / peer"]
    print(format_table(head, rows))


if __name__ == "__main__":
    main()
