"""Step 1: a line search through the initial weights, along a briefly trained direction."""

from __future__ import annotations

import numpy as np

from jaxscape.tune._common import initial_metrics
from jaxscape.tune.seven_steps import flags as fl
from jaxscape.tune.seven_steps.chosen import Chosen
from jaxscape.tune.seven_steps.context import RecipeContext
from jaxscape.tune.seven_steps.line_search import DirectionFailed, initial_line_search
from jaxscape.tune.seven_steps.report import Decision
from jaxscape.tune.seven_steps.steps.outcome import Earlier, StepOutcome

STEP = "1. initial line search"


def describe(ctx: RecipeContext, chosen: Chosen, earlier: Earlier) -> str:
    """The progress line of step 1."""
    b = ctx.budget
    how = (
        f"a direction found by {b.direction_steps} Adam steps on a subset"
        if b.direction_steps > 0
        else "a random filter-normalised direction"
    )
    return f"initial line search along {how} ({b.line_points} points)"


def run(ctx: RecipeContext, chosen: Chosen, earlier: Earlier) -> StepOutcome:
    """Draw the training and validation metrics along a line through the initial weights.

    The direction is the one a few Adam steps take (``budget.direction_steps``; a random
    filter-normalised one when 0, or as a flagged fallback when the brief training diverges).
    No choice is made: the line is for intuition, and the initial loss is checked against
    ``log(num_classes)``.

    Returns:
      ``results = {"initial_line": LandscapeLine}``; ``chosen`` unchanged.
    """
    start = initial_metrics(ctx.prob, ctx.seed)
    decisions, flags = [], []
    n = ctx.budget.line_points
    try:
        line = _line(ctx, "trained" if ctx.budget.direction_steps > 0 else "random")
    except DirectionFailed as err:  # only the brief training's divergence: say so, flag it
        line = initial_line_search(
            ctx.prob,
            direction="random",
            seed=ctx.seed,
            alphas=np.linspace(-1, 1, n),
            progress=ctx.progress,
        )
        decisions.append(
            Decision(
                STEP,
                "direction = random filter-normalised (fallback)",
                f"the trained direction failed: {err}. The line is drawn along a random "
                "direction instead, which shows the local shape but not the descent.",
            )
        )
        flags.append(fl.direction_fallback_flag(str(err)))
    p = ctx.prob
    flags.append(fl.initial_loss_flag(start["train_loss"], p.num_classes, p.loss_name))
    text = describe_line(line, start["train_loss"])
    decisions.append(Decision(STEP, "(intuition, no choice)", text))
    return StepOutcome(chosen, {"initial_line": line}, decisions, flags, text.split(";")[0])


def _line(ctx: RecipeContext, kind: str):
    if kind == "trained":
        alphas = np.linspace(-0.5, 4.0, ctx.budget.line_points)
    else:
        alphas = np.linspace(-1.0, 1.0, ctx.budget.line_points)
    return initial_line_search(
        ctx.prob,
        direction=kind,
        seed=ctx.seed,
        alphas=alphas,
        train_steps=max(ctx.budget.direction_steps, 1),
        batch_size=ctx.batch_size,
        progress=ctx.progress,
    )


def describe_line(line, start_loss: float) -> str:
    """Where the training loss is lowest along the line, where validation accuracy peaks, and
    where the loss climbs back above its initial value (the cliff)."""
    a = line.alphas
    loss = line.metrics["train_loss"]
    i = int(np.nanargmin(loss))
    text = f"the training loss is {start_loss:.3g} at the initial weights (alpha 0)"
    text += f" and lowest, {loss[i]:.3g}, at alpha {a[i]:.2f}"
    acc = line.metrics.get("val_accuracy")
    if acc is not None and np.any(np.isfinite(acc)):
        j = int(np.nanargmax(acc))
        text += f"; validation accuracy peaks at {acc[j]:.3g} (alpha {a[j]:.2f})"
    beyond = np.flatnonzero((a > a[i]) & (loss > start_loss))
    if beyond.size:
        text += (
            f"; beyond alpha {a[beyond[0]]:.2f} the loss is back above its initial value: "
            "the cliff a too-large step falls off"
        )
    return text + "."
