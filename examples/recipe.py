"""The seven-step tuning recipe on the embedded digits, and its procedures used one by one.

Part 1 runs :func:`jaxscape.tune.recipe` on the small CNN (width 0.25) and writes the HTML
report, the figures and ``summary.json`` — what ``jaxscape recipe`` does. Part 2 calls three of
the procedures alone on a small MLP, the way you would inside your own project: the parallel
learning-rate test next to the fastai-style ramp, and a decay check with its verdict.

Run from the repository root::

    python examples/recipe.py             # about 3 minutes on a 2-core CPU; out/recipe
    python examples/recipe.py --quick     # every budget cut: well under a minute
"""

from __future__ import annotations

import sys
from pathlib import Path

import jaxscape as js


def main(quick: bool, out: Path) -> None:
    # ---- Part 1: the whole recipe, as `jaxscape recipe` runs it
    report = js.tune.recipe(quick=quick, progress=False)
    paths = report.save(out)
    print(report.summary())
    print(f"report: {paths['html']}\n")

    # ---- Part 2: procedures one by one, on an MLP
    prob = js.Problem.from_model(js.models.MLP(hidden=(32,)), js.data.digits())
    epochs = 1 if quick else 3
    training = js.Training(epochs=epochs, batch_size=64, progress=False)
    parallel = js.tune.lr_range_test(prob, training=training)
    ramp = js.tune.lr_range_test(prob, ramp=js.tune.Ramp(), min_lr=1e-4, training=training)
    print(
        f"parallel test: learning_rate {parallel.suggestion:.3g} (band {parallel.band.lo:.3g}"
        f"-{parallel.band.hi:.3g}, runs fail from {parallel.divergence or float('nan'):.3g})"
    )
    shown = ", ".join(f"{rule} {value:.3g}" for rule, value in ramp.suggestions.items())
    print(f"ramp (fastai rules, steepest over log(lr)): {shown}")
    parallel.plot(out / "mlp_lr_parallel.png")
    ramp.plot(out / "mlp_lr_ramp.png")

    # The rate was chosen without momentum, so the check runs without it too (momentum m
    # multiplies the effective step by 1 / (1 - m): 0.9 at this rate would fall off the cliff).
    check = js.tune.check_decay(
        prob,
        parallel.suggestion,
        training=training.replace(epochs=4 * epochs).with_seeds(3),
    )
    print(f"plateau epoch M = {check.plateau.epoch}; {check.verdicts['decay'].reason}")
    check.plot(out / "mlp_decay.png")


if __name__ == "__main__":
    args = sys.argv[1:]
    folder = Path(next((a for a in args if not a.startswith("--")), "out/recipe"))
    main("--quick" in args, folder)
