"""Optimizers racing on 2-D test functions: every optimizer of ``jaxscape.optim`` at two rates
each, as ONE population per function (:func:`jaxscape.study.race`).

For each of Rosenbrock, Beale, Himmelblau, the saddle x² − y², an ill-conditioned quadratic and
Rastrigin it writes ``race_<fn>.png`` (paths on the contour plot; distance to the minimum
against step) and ``race_<fn>.gif`` (the race, animated with matplotlib's Pillow writer), and
prints who got closest — and, on the saddle, who escaped.

Run from the repository root::

    python examples/optimizers_2d.py                   # writes into out/optimizers_2d
    python examples/optimizers_2d.py --out docs/images # the gallery's pictures
    python examples/optimizers_2d.py --quick           # a few steps, no GIFs (CI)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import jaxscape.testfunctions as tf
from jaxscape.plot.study import animate_race, plot_race
from jaxscape.study import race
from jaxscape.study.race import RACERS

#: Per function: rates of plain/momentum SGD, of the sign-like adaptive optimizers, of
#: Adadelta (whose steps are ~sqrt(eps) * rate at first, so its rates are large).
RATES = {
    "rosenbrock": ((5e-4, 2e-3), (0.02, 0.1), (20.0, 100.0)),
    "beale": ((1e-3, 1e-2), (0.01, 0.05), (20.0, 100.0)),
    "himmelblau": ((3e-3, 1e-2), (0.05, 0.2), (50.0, 200.0)),
    "saddle": ((0.02, 0.1), (0.01, 0.05), (20.0, 100.0)),
    "ill_conditioned": ((0.02, 0.075), (0.05, 0.2), (50.0, 200.0)),
    "rastrigin": ((1e-3, 4e-3), (0.05, 0.3), (50.0, 200.0)),
}
SGD_LIKE = ("SGD", "Momentum", "Nesterov")


def rates_for(function: str) -> dict[str, tuple[float, ...]]:
    sgd, adaptive, adadelta = RATES[function]
    out = {}
    for name in RACERS:
        out[name] = sgd if name in SGD_LIKE else adadelta if name == "Adadelta" else adaptive
    out["Momentum"] = out["Nesterov"] = tuple(r / 5 for r in sgd)  # momentum 0.9: ~10x steps
    return out


def report(res) -> str:
    last = res.distance[:, -1]
    order = np.argsort(np.where(np.isfinite(last), last, np.inf))
    labels = res.labels
    if not res.function.minima:
        escaped = [labels[i] for i in range(len(labels)) if last[i] > 1.0]
        return f"  escaped the saddle (distance > 1): {len(escaped)}/{len(labels)}: " + ", ".join(
            escaped
        )
    best = ", ".join(f"{labels[i]} ({last[i]:.2g})" for i in order[:3])
    return f"  closest to a minimum after {res.steps[-1]} steps: {best}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out/optimizers_2d")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--quick", action="store_true", help="20 steps, two functions, no GIFs")
    args = ap.parse_args(argv)
    out = Path(args.out)
    names = ["ill_conditioned", "saddle"] if args.quick else list(tf.FUNCTIONS)
    steps = 20 if args.quick else args.steps
    for name in names:
        res = race(tf.FUNCTIONS[name](), rates_for(name), steps=steps)
        plot_race(res, out / f"race_{name}.png")
        if not args.quick:
            animate_race(res, out / f"race_{name}.gif")
        print(f"{name}: {len(res.labels)} trials in one population")
        print(report(res))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
