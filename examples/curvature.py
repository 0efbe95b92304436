"""Curvature and the learning rate: the linear-regression cost surface J(w, b) with gradient
descent paths for several rates (one population), and GD on a 1-D quadratic below, at, between
and above 1/L and 2/L.

Writes ``cost_surface.png`` (contours and 3-D surface of J over the weight of floor area and
the intercept, on :func:`jaxscape.data.house_prices`, with every rate's path) and
``quadratic_regimes.png`` (slow / one step / oscillating / diverging), and prints the exact
curvature of J (the top eigenvalue of its Hessian) with the stability limit 2/L.

Run from the repository root::

    python examples/curvature.py                    # writes into out/curvature
    python examples/curvature.py --out docs/images  # the gallery's pictures
    python examples/curvature.py --quick            # fewer steps, coarser grid (CI)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxscape as js
from jaxscape.plot.study import plot_cost_surface, plot_quadratic_regimes
from jaxscape.study import quadratic_regimes

START = (-0.5, 3.5)
#: The generator's floor-area mean and standard deviation (m²), see ``house_prices``.
AREA_MEAN, AREA_STD = 100.0, np.sqrt(20.0**2 * 2 + 25.0**2)


def cost_fn(ds):
    """``J(p) = mean((w x + b - y)^2) / 2`` over the training split, ``p = [w, b]``, with ``x``
    the floor area in units of 100 m² — not standardised, so ``J`` is a long, narrow valley
    (mean of ``x`` about 1: the Hessian ``[[E x², E x], [E x, 1]]`` is ill-conditioned)."""
    x = (ds.train.x[:, 0] * AREA_STD + AREA_MEAN) / 100.0
    y = ds.train.y

    def J(p):
        return 0.5 * jnp.mean((p[0] * x + p[1] - y) ** 2)

    return J


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out/curvature")
    ap.add_argument("--quick", action="store_true", help="fewer steps and a coarser grid")
    args = ap.parse_args(argv)
    out = Path(args.out)
    steps, grid = (10, 30) if args.quick else (60, 120)

    ds = js.data.house_prices()
    J = cost_fn(ds)
    eig = np.linalg.eigvalsh(np.asarray(jax.hessian(J)(jnp.zeros(2))))
    L = float(eig[-1])
    rates = np.array([0.05, 0.2, 1.0 / L, 1.8 / L, 2.05 / L])
    prob = js.Problem.from_loss(J, jnp.asarray(START, jnp.float32), name="house prices J(w, b)")
    res = js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": rates},
        steps=steps,
        eval_every=1,
        trajectory=list(range(rates.size)),
        diverge_factor=1e6,
        progress=False,
    )
    paths = np.asarray(res.trajectory["params"], np.float64)
    w = np.linspace(-1.0, 4.0, grid)
    b = np.linspace(-2.0, 4.0, grid)
    gw, gb = np.meshgrid(w, b)
    cost = np.asarray(jax.vmap(J)(jnp.stack([gw.ravel(), gb.ravel()], 1)), np.float64)
    plot_cost_surface(w, b, cost.reshape(gw.shape), paths, rates, out / "cost_surface.png")
    print(
        f"J(w, b): Hessian eigenvalues {eig[0]:.3f}, {L:.3f} (condition {L / eig[0]:.0f}); "
        f"curvature L = {L:.3f}, 2/L = {2 / L:.3f}"
    )
    for lr, p in zip(rates, paths, strict=True):
        print(
            f"  lr {lr:.3f}: after {steps} steps (w, b) = ({p[-1, 0]:.3f}, {p[-1, 1]:.3f}), "
            f"J = {float(J(jnp.asarray(p[-1], jnp.float32))):.4g}"
        )

    q = quadratic_regimes(4.0, steps=8 if args.quick else 12)
    plot_quadratic_regimes(q, out / "quadratic_regimes.png")
    for lr, regime in zip(q.learning_rate, q.regimes, strict=True):
        print(f"  quadratic L = 4, lr = {lr * 4:.2g}/L: {regime}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
