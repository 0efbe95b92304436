"""Step 6: do other optimizers do better than the tuned SGD, each with its own rate search?"""

from __future__ import annotations

import math
from typing import Any

from jaxscape.optim import sgd, with_schedule
from jaxscape.schedules import policy
from jaxscape.tune._common import chance_accuracy, choice_split_size, has_val
from jaxscape.tune.comparisons.optimizers import compare_optimizers
from jaxscape.tune.seven_steps import flags as fl
from jaxscape.tune.seven_steps.chosen import Chosen
from jaxscape.tune.seven_steps.context import RecipeContext
from jaxscape.tune.seven_steps.report import Decision
from jaxscape.tune.seven_steps.steps.outcome import Earlier, StepOutcome


def num_search(ctx: RecipeContext) -> int:
    """Rates of each other family's search: the range test's, plus one per five."""
    return ctx.budget.num_rates + max(1, round((ctx.budget.num_rates - 1) / 5))


def describe(ctx: RecipeContext, chosen: Chosen, earlier: Earlier) -> str:
    """The progress line of step 6."""
    b = ctx.budget
    others = (
        f" vs {', '.join(ctx.others)} (own rate search each: {num_search(ctx)} rates in "
        f"[{b.min_lr / 10:g}, {b.max_lr:g}] x {ctx.range_steps} steps)"
        if ctx.others
        else ""
    )
    return (
        f"optimizer comparison: tuned SGD{others}; {b.seeds} seeds x {ctx.long_steps} steps "
        "per family (SGD's runs are the chosen arm of steps 4-5)"
    )


def run(ctx: RecipeContext, chosen: Chosen, earlier: Earlier) -> StepOutcome:
    """Compare the tuned SGD (rate, momentum and schedule of steps 2-5; its seeded runs are
    reused from ``earlier["schedules"]``) with each family of ``ctx.others``, each at the
    rate its own range test chose, over ``seeds``; the best final metric wins (paired
    verdicts against SGD).

    Returns:
      ``chosen.best_optimizer`` and ``best_hyperparameters`` set;
      ``results = {"optimizers": OptimizerComparison}``.
    """
    b = ctx.budget
    specs: dict[str, Any] = {
        "sgd": (with_schedule(sgd, policy), chosen.sgd_hyperparameters(ctx.steps_per_epoch))
    }
    specs.update({o: o for o in ctx.others})
    opt = compare_optimizers(
        ctx.prob,
        specs,
        min_lr=b.min_lr / 10,
        max_lr=b.max_lr,
        num=num_search(ctx),
        sweep_epochs=b.epochs,
        tolerance=ctx.tolerance,
        keep_params=True,
        reuse={"sgd": (earlier["schedules"], chosen.arm)},
        **ctx.seeded_kwargs(),
    )
    best, best_lr = opt.best, opt.best_learning_rate
    decisions = [
        Decision(
            "6. other optimizers",
            f"best_optimizer = {best} (learning_rate {best_lr:.4g})",
            _reason(ctx, opt),
        )
    ]
    flags = []
    for name, sweep_res in opt.sweeps.items():
        step = f"6. {name} rate search"
        flags.append(fl.edge_flag(sweep_res, step=step))
        if name in opt.fallbacks:
            rate = float(opt.chosen[name]["learning_rate"])
            choice = f"{name} learning_rate = {rate:.4g} (fallback)"
            decisions.append(Decision(step, choice, opt.fallbacks[name] + "."))
            flags.append(fl.search_failed_flag(sweep_res, rate, step=step))
    flags.append(_chance_flag(ctx, opt.comparison))
    chosen = chosen.replace(best_optimizer=best, best_hyperparameters=_best(chosen, opt))
    return StepOutcome(
        chosen,
        {"optimizers": opt},
        decisions,
        flags,
        f"best_optimizer {best} (learning_rate {best_lr:.4g})",
    )


def _reason(ctx: RecipeContext, opt) -> str:
    cmp = opt.comparison
    parts = [f"{a}: final {ctx.metric} {cmp.mean_final(a):.4g}" for a in cmp.arms]
    if not ctx.others:
        return f"only the tuned SGD was trained: {parts[0]}."
    return f"{'; '.join(parts)} (mean over {len(ctx.seeds)} seeds). " + " ".join(
        v.reason for v in cmp.verdicts.values()
    )


def _chance_flag(ctx: RecipeContext, cmp) -> fl.RedFlag | None:
    """The best family's accuracy against always predicting the most frequent class."""
    if "accuracy" not in ctx.metric:
        return None
    accs = [cmp.mean_final(a, ctx.metric) for a in cmp.arms]
    finite = [a for a in accs if math.isfinite(a)]
    return fl.chance_flag(
        max(finite) if finite else float("nan"),
        chance_accuracy(ctx.prob),
        choice_split_size(ctx.prob),
        split="validation" if has_val(ctx.prob) else "training",
    )


def _best(chosen: Chosen, opt) -> dict[str, float | str]:
    """The winning family's hyperparameters: the tuned SGD's rate, momentum and schedule, or
    the other family's chosen scalars."""
    if opt.best == "sgd":
        return {
            "learning_rate": float(chosen.learning_rate),
            "momentum": float(chosen.momentum),
            "schedule": chosen.schedule,
        }
    return {k: v for k, v in opt.chosen[opt.best].items() if isinstance(v, int | float | str)}
