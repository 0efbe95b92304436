"""``jaxscape study edge-of-stability``: sharpness against ``2 / eta`` under full-batch GD.

Examples::

    jaxscape study edge-of-stability --quick --out out/eos
    jaxscape study edge-of-stability --rates 0.04,0.0667,0.1,0.1333 --steps 3000 --out docs/images

Writes into ``--out``: ``edge_of_stability/`` (the result: ``edge_of_stability.json``,
``curves.npz``), ``edge_of_stability.png`` (loss, and sharpness with dashed ``2 / eta``) and
``summary.txt``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from jaxscape.cli._common import floats
from jaxscape.cli._quick import check_positive


def register_edge_of_stability(studies: Any) -> None:
    """Add the ``edge-of-stability`` study to the ``study`` subcommand's parsers."""
    e = studies.add_parser(
        "edge-of-stability",
        help="full-batch GD at several rates: sharpness rises to 2/eta and hovers there",
        description="Train an MLP with full-batch gradient descent (squared error) on the first "
        "digits at several learning rates, one population, recording the loss and the sharpness "
        "(top Hessian eigenvalue, warm-started power iteration) every few steps (Cohen et al., "
        "ICLR 2021).",
    )
    e.add_argument("--rates", type=floats, default=None, help="learning rates (0.04 ... 0.133)")
    e.add_argument("--examples", type=int, default=None, help="training digits (1000)")
    e.add_argument("--steps", type=int, default=None, help="gradient-descent steps (3000)")
    e.add_argument("--record-every", type=int, default=None, help="steps per record (10)")
    e.add_argument("--iters", type=int, default=5, help="power-iteration steps per record (5)")
    e.add_argument("--seed", type=int, default=0, help="initial weights' seed (0)")
    e.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 500 digits, 600 steps (--examples, --steps and --record-every given "
        "with it win)",
    )
    e.add_argument("--out", default="study-edge-of-stability", help="output folder")
    e.add_argument("--progress", action="store_true", help="show a progress bar")
    e.set_defaults(func=run_edge_of_stability)


def run_edge_of_stability(args: argparse.Namespace) -> int:
    from jaxscape._io import atomic_write_text
    from jaxscape.study.edge_of_stability import QUICK, RATES, edge_of_stability

    kw: dict[str, Any] = dict(QUICK) if args.quick else {}
    flags = {"n_examples": "--examples", "steps": "--steps", "record_every": "--record-every"}
    given = {"n_examples": args.examples, "steps": args.steps, "record_every": args.record_every}
    for key, value in given.items():  # what the user gave wins over --quick, and is checked
        if value is not None:
            kw[key] = check_positive(flags[key], value, integer=True)
    out = Path(args.out)
    t0 = time.perf_counter()
    res = edge_of_stability(
        args.rates or RATES, iters=args.iters, seed=args.seed, progress=args.progress, **kw
    )
    wall = time.perf_counter() - t0
    res.save(out / "edge_of_stability")
    res.plot(out / "edge_of_stability.png")
    text = f"{res.summary()}\n{wall:.1f} s wall ({res.info['compile_s']:.1f} s compiling)\n"
    atomic_write_text(out / "summary.txt", text)
    print(text + f"wrote {out}")
    return 0
