"""``Report``: what the recipe returns — chosen hyperparameters, decisions and why, red flags,
every procedure's result, and how to write it all out (HTML, PNGs, ``summary.json``)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jaxscape.tune.flags import RedFlag

PathLike = str | os.PathLike


@dataclass(frozen=True)
class Decision:
    """One decision of the recipe.

    Attributes:
      step: the step, e.g. ``"2. learning-rate range test"``.
      choice: what was chosen, e.g. ``"learning_rate = 0.316"``.
      why: the rule and the numbers behind it.
    """

    step: str
    choice: str
    why: str

    def to_dict(self) -> dict:
        return {"step": self.step, "choice": self.choice, "why": self.why}


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


@dataclass
class Report:
    """The outcome of :func:`jaxscape.tune.recipe`.

    Attributes:
      hyperparameters: the chosen values: ``learning_rate``, ``momentum``, ``use_decay``,
        ``use_cyclical``, ``plateau_epoch``, ``decay`` (per-epoch factor), ``cycle``,
        ``best_optimizer`` (``{"name", "learning_rate", ...}``), ``final`` (the test split's
        metrics of the chosen configuration, evaluated once at the end; ``None`` without a
        test split) and ``final_val`` (the validation metrics it was chosen on).
      decisions: every decision with its reason.
      red_flags: every :class:`~jaxscape.tune.flags.RedFlag` raised.
      results: each step's result: ``"initial_line"``, ``"lr_range"``, ``"lr_ramp"``,
        ``"momentum_range"``, ``"momentum_confirm"``, ``"schedules"``, ``"optimizers"``,
        ``"final_line"`` (absent when a step was skipped).
      info: the run: problem, data, model, parameters, budgets, seeds, wall time, versions.
    """

    hyperparameters: dict[str, Any]
    decisions: list[Decision]
    red_flags: list[RedFlag]
    results: dict[str, Any]
    info: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json``: the chosen hyperparameters (``learning_rate``,
        ``momentum``, ``use_decay``, ``use_cyclical``, ``best_optimizer``), ``red_flags``,
        the decisions, ``final`` (test split, evaluated once for the chosen configuration),
        ``final_val`` (the validation numbers it was chosen on; each entry names its
        ``split``), every procedure's numbers (``results``) and the run's info."""
        hp = self.hyperparameters
        out = {
            "learning_rate": hp.get("learning_rate"),
            "momentum": hp.get("momentum"),
            "use_decay": hp.get("use_decay"),
            "use_cyclical": hp.get("use_cyclical"),
            "plateau_epoch": hp.get("plateau_epoch"),
            "decay": hp.get("decay"),
            "cycle": hp.get("cycle"),
            "best_optimizer": hp.get("best_optimizer"),
            "red_flags": [f.to_dict() for f in self.red_flags],
            "decisions": [d.to_dict() for d in self.decisions],
            "final": hp.get("final"),
            "final_val": hp.get("final_val"),
            "results": {k: v.to_dict() for k, v in self.results.items() if hasattr(v, "to_dict")},
            "info": self.info,
        }
        return _clean(out)

    def figures(self) -> dict[str, Any]:
        """``{name: matplotlib Figure}`` of every step (see :mod:`jaxscape.plot.tune`)."""
        from jaxscape.plot.tune import recipe_figures

        return recipe_figures(self)

    def to_html(self) -> str:
        """The self-contained HTML report (figures embedded as base64 PNG)."""
        from jaxscape.report import recipe_html

        return recipe_html(self)

    def save(self, folder: PathLike) -> dict[str, Path]:
        """Write ``report.html``, ``summary.json``, every figure as PNG, and the two line
        searches as landscape folders (``initial_line/``, ``final_line/``, readable with
        :func:`jaxscape.landscape.load_landscape` and :func:`jaxscape.plot.gallery.gallery`)
        into ``folder``.

        Every file is written atomically. Returns ``{"html": ..., "summary": ..., name: path}``.
        """
        from jaxscape.report import save_recipe_report

        return save_recipe_report(self, folder)

    def __str__(self) -> str:
        hp = self.hyperparameters
        best = hp.get("best_optimizer") or {}
        lines = [
            f"learning_rate  {hp.get('learning_rate'):.4g}",
            f"momentum       {hp.get('momentum'):.3g}",
            f"use_decay      {hp.get('use_decay')}",
            f"use_cyclical   {hp.get('use_cyclical')}",
            f"best_optimizer {best.get('name')} (learning_rate {best.get('learning_rate', 0):.4g})",
        ]
        for key, label, note in (
            ("final", "final (test)", "evaluated once, for the chosen configuration"),
            ("final_val", "chosen on", "the split every choice scored"),
        ):
            means = (hp.get(key) or {}).get("mean_over_seeds") or {}
            if means:
                shown = ", ".join(f"{k} {v:.4g}" for k, v in means.items())
                lines.append(f"{label:<14} {shown} (mean over seeds; {note})")
        if self.red_flags:
            lines.append(f"red flags ({len(self.red_flags)}):")
            lines += [f"  [{f.code}] {f.message}" for f in self.red_flags]
        else:
            lines.append("red flags: none")
        return "\n".join(lines)
