"""Step 2: the learning rate, from a parallel range test (a ramp alongside for comparison)."""

from __future__ import annotations

import math

from jaxscape.optim import sgd
from jaxscape.tune.range_tests.learning_rate import lr_range_test
from jaxscape.tune.seven_steps import flags as fl
from jaxscape.tune.seven_steps.chosen import Chosen
from jaxscape.tune.seven_steps.context import RecipeContext
from jaxscape.tune.seven_steps.report import Decision
from jaxscape.tune.seven_steps.steps.outcome import Earlier, StepOutcome

STEP = "2. learning-rate range test"


def describe(ctx: RecipeContext, chosen: Chosen, earlier: Earlier) -> str:
    """The progress line of step 2."""
    b = ctx.budget
    return (
        f"learning-rate range test: {b.num_rates} rates in [{b.min_lr:g}, {b.max_lr:g}] x "
        f"{ctx.range_steps} steps, one population (SGD, no momentum)"
        + (f"; plus a {b.ramp_steps}-step ramp" if b.ramp_steps else "")
    )


def run(ctx: RecipeContext, chosen: Chosen, earlier: Earlier) -> StepOutcome:
    """Train plain SGD at ``budget.num_rates`` rates (geometric in ``[min_lr, max_lr]``) for
    ``budget.epochs`` epochs as one population and choose the centre of the band of rates
    whose final metric is within the tolerance of the best (Smith 2018, with every rate run
    for the whole budget instead of a ramp); when every run fails, the smallest rate, flagged.

    Returns:
      ``chosen.learning_rate`` set; ``results = {"lr_range": ParallelRangeTest}`` (and
      ``"lr_ramp"``: the fastai-style ramp, shown for comparison, when ``budget.ramp_steps``).
    """
    b = ctx.budget
    test = lr_range_test(
        ctx.prob, sgd, min_lr=b.min_lr, max_lr=b.max_lr, num=b.num_rates, **ctx.range_kwargs()
    )
    results = {"lr_range": test}
    flags = []
    lr = test.suggestion
    if math.isfinite(lr):
        why = _band_reason(ctx, test)
    else:
        lr = float(test.values[0])
        why = "every run failed; falling back to the smallest rate tried (see the red flags)"
        flags.append(fl.search_failed_flag(test, lr, step=STEP))
    if b.ramp_steps:
        ramp = lr_range_test(
            ctx.prob,
            sgd,
            mode="ramp",
            min_lr=b.min_lr,
            max_lr=b.max_lr,
            num=b.ramp_steps,
            batch_size=ctx.batch_size,
            seed=ctx.seed,
            progress=ctx.progress,
        )
        results["lr_ramp"] = ramp
        why += _ramp_reason(ramp)
    decision = Decision("2. learning rate", f"learning_rate = {lr:.4g}", why + ".")
    flags += [
        fl.no_progress_flag(test, step=STEP),
        fl.loss_rises_flag(test, step=STEP),
        fl.nonfinite_flag(test, step=STEP),
        fl.edge_flag(test, step=STEP),
    ]
    chosen = chosen.replace(learning_rate=float(lr))
    return StepOutcome(chosen, results, [decision], flags, f"learning_rate {lr:.4g}")


def _band_reason(ctx: RecipeContext, test) -> str:
    band = test.band
    return (
        f"centre of the band {band.lo:.3g}–{band.hi:.3g} where the final {ctx.metric} after "
        f"{ctx.range_steps} steps is within {band.tolerance:.3g} of the best "
        f"({band.best_score:.4g} at {band.best:.3g}); "
        + (
            f"runs fail from {test.divergence:.3g} on"
            if test.divergence
            else "no run failed above the best"
        )
    )


def _ramp_reason(ramp) -> str:
    shown = ", ".join(f"{r} {v:.3g}" for r, v in ramp.suggestions.items() if math.isfinite(v))
    why = f". For comparison, the ramp's rules suggest {shown or 'nothing (too short)'}"
    if ramp.divergence:
        why += f", and its smoothed loss passes 4x its best at {ramp.divergence:.3g}"
    return why
