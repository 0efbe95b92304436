"""Steps 4 and 5: do power decay and a cyclical rate help? One population decides both."""

from __future__ import annotations

import dataclasses

from jaxscape.tune._common import seed_mean
from jaxscape.tune.comparisons.comparison import Comparison
from jaxscape.tune.comparisons.plateau import Plateau, plateau_epoch
from jaxscape.tune.comparisons.schedules import check_schedules
from jaxscape.tune.seven_steps.chosen import Chosen
from jaxscape.tune.seven_steps.context import RecipeContext
from jaxscape.tune.seven_steps.report import Decision
from jaxscape.tune.seven_steps.steps.outcome import Earlier, StepOutcome

BOTH = (
    " Both helped, each tested against the constant rate; their combination was not "
    "tested, so only the larger improvement is kept."
)


def kept_runs(chosen: Chosen, earlier: Earlier) -> tuple[Comparison, str] | None:
    """Step 3's long runs of the kept momentum, ``(comparison, arm)``: the chosen rate and
    momentum with a constant rate, so they are the constant arm of steps 4-5; ``None`` when
    step 3 ran none."""
    confirm = earlier.get("momentum_confirm")
    if confirm is None:
        return None
    return confirm, confirm.arms[1] if chosen.momentum > 0 else confirm.arms[0]


def read_plateau(ctx: RecipeContext, chosen: Chosen, earlier: Earlier) -> Plateau | None:
    """The plateau epoch read from step 3's long runs (the kept arm, seed-mean loss curve);
    ``None`` when the user gave M or step 3 ran no long runs."""
    kept = kept_runs(chosen, earlier)
    if ctx.plateau is not None or kept is None:
        return None
    confirm, arm = kept
    curve = seed_mean(confirm.curves[arm][ctx.plateau_metric])
    return plateau_epoch(confirm.epochs, curve, ctx.plateau_metric)


def _baseline(chosen: Chosen, earlier: Earlier) -> tuple[Comparison, str] | None:
    """Step 3's kept runs when they hold their final weights (a run resumed from an older
    checkpoint may not): they are not trained again."""
    kept = kept_runs(chosen, earlier)
    if kept is None or kept[0].params is None or kept[1] not in kept[0].params:
        return None
    return kept


def _plateau(ctx: RecipeContext, found: Plateau | None) -> float | None:
    return found.epoch if found is not None else ctx.plateau


def describe(ctx: RecipeContext, chosen: Chosen, earlier: Earlier) -> str:
    """The progress line of steps 4-5."""
    plateau = _plateau(ctx, read_plateau(ctx, chosen, earlier))
    constant = "step 3's constant-rate runs" if _baseline(chosen, earlier) else "constant"
    return (
        f"decay and cyclical checks: {constant} vs power decay vs cyclical"
        + (f" (M = {plateau:g})" if plateau else " (M read from a baseline run first)")
        + f", {ctx.budget.seeds} seeds x {ctx.long_steps} steps, one population"
    )


def run(ctx: RecipeContext, chosen: Chosen, earlier: Earlier) -> StepOutcome:
    """Train the chosen rate and momentum constant, with power decay ``alpha = (2/3)^(1/M)``
    per epoch and with a cyclical rate (2x down to 1/2x over M epochs; Smith 2017), over
    ``seeds`` in one population; adopt each on a paired verdict against the constant rate.
    Both were tested against the constant rate, not together: when both help only the larger
    improvement is kept. The constant rate's runs are step 3's runs of the kept momentum when
    it kept their weights (the same configuration, seeds and budget): they are not trained
    again.

    Returns:
      ``chosen.plateau_epoch``, ``use_decay`` and ``use_cyclical`` set;
      ``results = {"schedules": Comparison}`` (its ``plateau`` says how M was read).
    """
    found = read_plateau(ctx, chosen, earlier)
    sched = check_schedules(
        ctx.prob,
        chosen.learning_rate,
        hyperparams={"momentum": chosen.momentum},
        plateau=_plateau(ctx, found),
        plateau_metric=ctx.plateau_metric,
        keep_params=True,
        baseline=_baseline(chosen, earlier),
        **ctx.seeded_kwargs(),
    )
    if found is not None:
        sched = dataclasses.replace(sched, plateau=found)
    m = sched.plateau.epoch
    v_decay, v_cycle = sched.verdicts["decay"], sched.verdicts["cyclical"]
    use_decay, use_cyclical = v_decay.adopt, v_cycle.adopt
    both = use_decay and use_cyclical
    if both:  # tested separately: keep only the stronger one
        use_decay = v_decay.effect >= v_cycle.effect
        use_cyclical = not use_decay
    chosen = chosen.replace(
        plateau_epoch=m, use_decay=bool(use_decay), use_cyclical=bool(use_cyclical)
    )
    rule = f"M = {m}: {sched.plateau.rule}" if sched.plateau.rule else f"M = {m}"
    decisions = [
        Decision(
            "4. learning-rate decay",
            f"use_decay = {use_decay} (alpha = (2/3)^(1/{m}) = {chosen.alpha:.4g} per epoch)",
            f"{rule}. {v_decay.reason}{BOTH if both else ''}",
        ),
        Decision(
            "5. cyclical learning rate",
            f"use_cyclical = {use_cyclical} (2x down to 1/2x over {m} epochs)",
            v_cycle.reason + (BOTH if both and use_cyclical else ""),
        ),
    ]
    note = f"use_decay {use_decay}, use_cyclical {use_cyclical}, M {m}"
    return StepOutcome(chosen, {"schedules": sched}, decisions, [], note)
