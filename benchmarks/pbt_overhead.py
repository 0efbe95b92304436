"""Cost of PBT's exploit and explore per interval against the training it interrupts.

A population of ``--population`` members of the MLP 784-128-10 (SGD with momentum) on a
synthetic 784-feature, 10-class set (4,096 rows, 15% validation), trained ``--interval`` steps
between exploits at batch ``--batch``. Measured (median of ``--repeats``, after compiling):

* ``train interval``: one continued :func:`jaxscape.sweep` of ``interval`` steps from the
  population's state (what PBT runs between two exploits);
* ``exploit + explore``: ranking on the host, Ray Tune's explore
  (:func:`jaxscape.search._pbt_exploit.exploit_explore`) and the gather of parameters,
  optimizer state and flags along the trial axis on the device
  (:meth:`~jaxscape.population.snapshot.PopulationState.take`), synchronised;
* ``PBT end to end`` against ``plain sweep``: ``--intervals`` intervals of PBT
  (:func:`jaxscape.search.pbt`) against one uninterrupted sweep of the same steps, both warm
  (second run); the difference is everything PBT adds: exploits, and cutting the run into one
  sweep call per interval (host setup, recordings flushed at every interval).

Target (issue 12): exploit + explore at most 2% of the training interval at interval 100.

    python benchmarks/pbt_overhead.py                       # CPU default: population 64
    python benchmarks/pbt_overhead.py --population 256      # the issue's size (accelerator)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _timing
import numpy as np

import jaxscape as js
from jaxscape.search._pbt_exploit import exploit_explore, scores_of
from jaxscape.search._pbt_space import resolve_space, sample

SPACE = {"learning_rate": (1e-3, 0.5), "momentum": (0.5, 0.95)}


def problem() -> js.Problem:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4096, 784)).astype(np.float32)
    y = np.argmax(x @ rng.standard_normal((784, 10)), axis=1)
    data = js.data.from_arrays(x, y, val_fraction=0.15, name="synthetic-784")
    return js.Problem.from_model(js.models.MLP(hidden=(128,)), data)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--population", type=int, default=64)
    ap.add_argument("--interval", type=int, default=100)
    ap.add_argument("--intervals", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    n, k = args.population, args.interval
    prob = problem()
    kinds, _ = resolve_space(SPACE)
    rng = np.random.default_rng(0)
    table = sample(rng, kinds, n)
    kw = {"batch_size": args.batch, "eval_every": k // 5, "progress": False}
    first = js.sweep(prob, js.optim.sgd, table, steps=k, keep_state=True, **kw)
    state = first.state
    scores = scores_of(first.metrics["val_loss"][:, -1], maximize=False)
    settings = {"quantile": 0.25, "perturb": (0.8, 1.2), "resample_probability": 0.25}

    def exploit():
        parents, new = exploit_explore(rng, scores, table, kinds, **settings)
        return state.take(parents).trials, new

    def train():
        return js.sweep(prob, js.optim.sgd, table, steps=k, start=state, keep_state=True, **kw)

    t_ex = _timing.measure(exploit, warmup=2, repeats=max(5, args.repeats))
    t_tr = _timing.measure(
        train, warmup=1, repeats=args.repeats, sync=lambda r: _timing.block(r.state.trials)
    )
    steps = k * args.intervals
    ends = {}
    for name, run in {
        "plain sweep": lambda: js.sweep(prob, js.optim.sgd, table, steps=steps, **kw),
        "PBT end to end": lambda: js.search.pbt(
            prob,
            js.optim.sgd,
            SPACE,
            js.Training(steps=steps, batch_size=args.batch, eval_every=k // 5, progress=False),
            population=n,
            exploit=k,
            judging=js.Judging(metric="val_loss"),
        ),
    }.items():
        run()  # compile
        tic = time.perf_counter()
        run()
        ends[name] = time.perf_counter() - tic
    rows = [
        ["train interval", f"{k} steps", f"{t_tr.median * 1e3:.1f}", "100%"],
        [
            "exploit + explore",
            "1 per interval",
            f"{t_ex.median * 1e3:.2f}",
            f"{100 * t_ex.median / t_tr.median:.3f}%",
        ],
        ["plain sweep", f"{steps} steps", f"{ends['plain sweep'] * 1e3:.0f}", "100%"],
        [
            "PBT end to end",
            f"{args.intervals} intervals",
            f"{ends['PBT end to end'] * 1e3:.0f}",
            f"{100 * ends['PBT end to end'] / ends['plain sweep']:.1f}%",
        ],
    ]
    env = _timing.environment()
    print(f"PBT overhead: population {n} x MLP 784-128-10, interval {k}, batch {args.batch}")
    print(", ".join(f"{a}: {b}" for a, b in env.items()))
    print(_timing.format_table(["what", "per", "ms (median)", "of training"], rows))
    print(f"exploit + explore / train interval: {t_ex.median / t_tr.median:.2%} (target <= 2%)")


if __name__ == "__main__":
    main()
