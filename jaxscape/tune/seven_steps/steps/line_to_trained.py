"""Step 7: a line search from the initial to the trained weights, for closure."""

from __future__ import annotations

import jax
import numpy as np

from jaxscape.population.seed_weights import seed_weights
from jaxscape.tune._common import has_val
from jaxscape.tune.seven_steps import flags as fl
from jaxscape.tune.seven_steps.chosen import Chosen
from jaxscape.tune.seven_steps.context import RecipeContext
from jaxscape.tune.seven_steps.line_search import barrier, final_line_search
from jaxscape.tune.seven_steps.report import Decision
from jaxscape.tune.seven_steps.steps.outcome import Earlier, StepOutcome


def describe(ctx: RecipeContext, chosen: Chosen, earlier: Earlier) -> str:
    """The progress line of step 7."""
    return (
        f"final line search: initial -> trained weights ({chosen.best_optimizer}, seed "
        f"{ctx.seeds[0]}), {ctx.budget.final_points} points"
    )


def run(ctx: RecipeContext, chosen: Chosen, earlier: Earlier) -> StepOutcome:
    """Draw the metrics along the line from the first seed's initial weights (alpha 0) to its
    weights trained by the best family of step 6 (alpha 1), alpha in ``[-0.5, 1.5]``
    (Goodfellow et al. 2015; Li et al. 2018); flag a barrier and a train/validation gap.

    Returns:
      ``results = {"final_line": LandscapeLine}``; ``chosen`` unchanged. The metrics at
      alpha 1 are :func:`at_trained_weights` of the line.
    """
    best = chosen.best_optimizer
    params0, state0 = seed_weights(ctx.prob, int(ctx.seeds[0]))
    trained = earlier["optimizers"].comparison.params[best]
    params1 = jax.tree.map(lambda x: x[0], trained)
    line = final_line_search(
        ctx.prob,
        params0,
        params1,
        state=state0,
        alphas=np.linspace(-0.5, 1.5, ctx.budget.final_points),
        progress=ctx.progress,
    )
    b = barrier(line)
    at_end = at_trained_weights(ctx, line)
    flags = []
    if has_val(ctx.prob):
        gap = "accuracy" if "train_accuracy" in line.metrics else "loss"
        flags.append(fl.gap_flag(at_end[f"train_{gap}"], at_end[f"val_{gap}"], gap))
    flags.append(fl.barrier_flag(line))
    why = (
        "at the trained weights (alpha 1): "
        + ", ".join(f"{k.replace('_', ' ')} {v:.4g}" for k, v in at_end.items())
        + (
            f"; a barrier of {b.height:.3g} at alpha {b.alpha:.2f}"
            if b.height > 0
            else "; the training loss falls without a bump from the initial to the trained weights"
        )
    )
    decision = Decision("7. final line search", "(closure, no choice)", why + ".")
    return StepOutcome(chosen, {"final_line": line}, [decision], flags, f"barrier {b.height:.3g}")


def at_trained_weights(ctx: RecipeContext, line) -> dict[str, float]:
    """``{"train_loss": ..., "val_accuracy": ...}`` of the line at alpha 1."""
    return {
        f"{s}_{n}": line.value_at(1.0, f"{s}_{n}")
        for s in ("train", "val")
        for n in ctx.prob.metric_names
        if f"{s}_{n}" in line.metrics
    }
