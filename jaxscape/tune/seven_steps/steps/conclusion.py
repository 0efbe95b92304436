"""After the seven steps: the one look at the test split, and the report's hyperparameters."""

from __future__ import annotations

from typing import Any

from jaxscape.tune.seven_steps.chosen import Chosen
from jaxscape.tune.seven_steps.context import RecipeContext
from jaxscape.tune.seven_steps.held_out import final_entries
from jaxscape.tune.seven_steps.report import Decision
from jaxscape.tune.seven_steps.steps.line_to_trained import at_trained_weights
from jaxscape.tune.seven_steps.steps.outcome import Earlier


def conclude(
    ctx: RecipeContext, chosen: Chosen, results: Earlier
) -> tuple[dict[str, Any], Decision]:
    """Evaluate the test split once, for the chosen configuration's trained weights.

    Returns:
      ``(hyperparameters, decision)``: :meth:`Chosen.to_dict` with ``final`` (test split;
      ``None`` without one) and ``final_val`` (the validation numbers it was chosen on), and
      the decision stating them.
    """
    best = chosen.best_optimizer
    cmp = results["optimizers"].comparison
    at_end = at_trained_weights(ctx, results["final_line"])
    final, final_val = final_entries(ctx.prob, best, cmp, ctx.seeds, ctx.metric, at_end)
    if final is not None:
        shown = ", ".join(f"{k} {v:.4g}" for k, v in final["mean_over_seeds"].items())
        ctx.say(f"test split, evaluated once for the chosen configuration: {shown}")
    hyper = {**chosen.to_dict(), "final": final, "final_val": final_val}
    return hyper, final_decision(best, final, final_val, len(ctx.seeds))


def final_decision(best: str, final: dict | None, final_val: dict, n_seeds: int) -> Decision:
    """The report's statement of the final numbers and the split each comes from."""
    chosen_on = ", ".join(f"{k} {v:.4g}" for k, v in final_val["mean_over_seeds"].items())
    split = {"val": "validation", "train": "training"}[final_val["split"]]
    why = f"chosen on the {split} split: {chosen_on} (mean over {n_seeds} seeds)"
    if final is None:
        return Decision("final", "(no test split: nothing held out to report)", why + ".")
    shown = ", ".join(f"{k} {v:.4g}" for k, v in final["mean_over_seeds"].items())
    return Decision(
        "final (test split)",
        f"{best}: {shown}",
        f"the test split, evaluated once after every choice, for the chosen configuration "
        f"only ({n_seeds} seeds' trained weights; mean shown); {why}.",
    )
