"""``jaxscape search --strategy pbt``: population based training from the command line.

``--budget`` members train ``--steps`` steps with SGD (the space's parameters are SGD's:
``learning_rate``, ``momentum``, ...; a space with a ``choice`` is refused); every
``--interval`` steps the worst quarter copies the best quarter and perturbs its values. Writes
the result (``pbt.json``, ``curves.npz``, ``lineage.npz``) into ``OUT/result`` and the lineage,
schedules and curves figure to ``OUT/pbt.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def run_pbt(args: argparse.Namespace, prob: Any, space: Any, out: Path) -> int:
    """Run PBT as ``args`` say; print the summary and the best member's schedule."""
    from jaxscape import optim
    from jaxscape.population import Training
    from jaxscape.search import Exploit, pbt

    interval = args.interval or max(1, args.steps // 10)
    if not args.quiet:
        print(
            f"{prob.name}: PBT, {args.budget} members x {args.steps} steps, "
            f"exploit every {interval} steps"
        )
    training = Training(
        steps=args.steps,
        batch_size=None if args.batch_size == 0 else args.batch_size,
        seeds=(args.seed,),
        progress=False,
    )
    res = pbt(
        prob,
        optim.sgd,
        space,
        training,
        population=args.budget,
        exploit=Exploit(interval=interval),
    )
    res.save(out / "result")
    res.plot(out / "pbt.png")
    print(res.summary())
    best = res.best()
    print(f"\nbest member {best['member']}: validation {res.metric} {best[res.metric]:.4g}")
    for name, values in best["schedule"].items():
        print(f"  {name} over steps {best['boundaries'].tolist()}: {values.tolist()}")
    print(f"result and pbt.png in {out}/")
    return 0
