"""``Report``: what the recipe returns — chosen hyperparameters, decisions and why, red flags,
every procedure's result, and how to write it all out (HTML, PNGs, ``summary.json``) and read
it back."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jaxscape._io import load_json
from jaxscape.tune.seven_steps.flags import RedFlag

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


@dataclass(frozen=True)
class Report:
    """The outcome of :func:`jaxscape.tune.recipe` (a frozen result: ``save`` / ``load`` /
    ``plot`` / ``to_dict`` / ``summary``).

    Attributes:
      hyperparameters: the chosen values: ``learning_rate``, ``momentum``, ``use_decay``,
        ``use_cyclical``, ``plateau_epoch``, ``decay`` (per-epoch factor), ``cycle``,
        ``best_optimizer`` (``{"name", "learning_rate", ...}``), ``final`` (the test split's
        metrics of the chosen configuration, evaluated once at the end; ``None`` without a
        test split) and ``final_val`` (the validation metrics it was chosen on).
      decisions: every decision with its reason, in the order of the steps.
      red_flags: every :class:`~jaxscape.tune.seven_steps.flags.RedFlag` raised.
      results: each step's result: ``"initial_line"``, ``"lr_range"``, ``"lr_ramp"``,
        ``"momentum_range"``, ``"momentum_confirm"``, ``"schedules"``, ``"optimizers"``,
        ``"final_line"`` (absent when a step was skipped).
      info: the run: problem, data, model, parameters, budgets, seeds, wall time, versions.

    Example:
      >>> from jaxscape.tune import Decision, Report
      >>> r = Report({"learning_rate": 0.1, "momentum": 0.9, "use_decay": False,
      ...             "use_cyclical": True, "best_optimizer": {"name": "sgd",
      ...             "learning_rate": 0.1}}, [Decision("2. learning rate",
      ...             "learning_rate = 0.1", "centre of the band")], [], {})
      >>> print(r.summary())
      learning_rate  0.1
      momentum       0.9
      use_decay      False
      use_cyclical   True
      best_optimizer sgd (learning_rate 0.1)
      red flags: none
      >>> r.to_dict()["decisions"][0]["choice"]
      'learning_rate = 0.1'

    References:
      See :func:`jaxscape.tune.recipe` (the practitioner's seven steps; Smith 2018).
    """

    hyperparameters: dict[str, Any]
    decisions: tuple[Decision, ...]
    red_flags: tuple[RedFlag, ...]
    results: dict[str, Any]
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "decisions", tuple(self.decisions))
        object.__setattr__(self, "red_flags", tuple(self.red_flags))

    def to_dict(self) -> dict[str, Any]:
        """The content of ``summary.json``: the chosen hyperparameters (``learning_rate``,
        ``momentum``, ``use_decay``, ``use_cyclical``, ``best_optimizer``), ``red_flags``,
        the decisions, ``final`` (test split, evaluated once for the chosen configuration),
        ``final_val`` (the validation numbers it was chosen on; each entry names its
        ``split``), every procedure's numbers (``results``) and the run's info. Non-finite
        numbers become ``None`` (JSON has no NaN)."""
        hp = self.hyperparameters
        out = {k: hp.get(k) for k in HYPERPARAMETERS[:-2]}
        out["red_flags"] = [f.to_dict() for f in self.red_flags]
        out["decisions"] = [d.to_dict() for d in self.decisions]
        out.update({k: hp.get(k) for k in HYPERPARAMETERS[-2:]})
        out["results"] = {k: v.to_dict() for k, v in self.results.items() if hasattr(v, "to_dict")}
        out["info"] = self.info
        return _clean(out)

    def summary(self) -> str:
        """The chosen hyperparameters, the final numbers with their split, and the red flags,
        a line each (what ``jaxscape recipe`` prints)."""
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
                shown = ", ".join(f"{k} {_num(v)}" for k, v in means.items())
                lines.append(f"{label:<14} {shown} (mean over seeds; {note})")
        if self.red_flags:
            lines.append(f"red flags ({len(self.red_flags)}):")
            lines += [f"  [{f.code}] {f.message}" for f in self.red_flags]
        else:
            lines.append("red flags: none")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def figures(self) -> dict[str, Any]:
        """``{name: matplotlib Figure}`` of every step (see :mod:`jaxscape.plot.tune`)."""
        from jaxscape.plot.tune import recipe_figures

        return recipe_figures(self)

    def plot(self, path: PathLike | None = None, **kwargs: Any) -> Any:
        """The overview figure: one panel per step (initial line, learning-rate test, momentum
        test, schedule checks, optimizer comparison, final line), written to ``path`` when
        given; ``kwargs`` go to :func:`jaxscape.plot.tune.plot_recipe_overview` (``title``).
        Panels whose result is absent (e.g. after :meth:`load`) stay empty.

        Returns:
          The matplotlib ``Figure``.
        """
        from jaxscape.plot.tune import plot_recipe_overview

        return plot_recipe_overview(self, path=path, **kwargs)

    def to_html(self) -> str:
        """The self-contained HTML report (figures embedded as base64 PNG)."""
        from jaxscape.tune.seven_steps.page import recipe_html

        return recipe_html(self)

    def save(self, folder: PathLike) -> dict[str, Path]:
        """Write ``report.html``, ``summary.json``, every figure as PNG, and the two line
        searches as landscape folders (``initial_line/``, ``final_line/``, readable with
        :func:`jaxscape.landscape.load_landscape` and :func:`jaxscape.plot.gallery.gallery`)
        into ``folder``.

        Every file is written atomically. Returns ``{"html": ..., "summary": ..., name: path}``.
        """
        from jaxscape.tune.seven_steps.page import save_recipe_report

        return save_recipe_report(self, folder)

    @classmethod
    def load(cls, folder: PathLike) -> Report:
        """Read a report back from a folder :meth:`save` wrote.

        Restored: ``hyperparameters``, ``decisions``, ``red_flags`` and ``info`` (from
        ``summary.json``; numbers that were not finite come back as ``None``), and the two line
        searches (``results["initial_line"]``, ``results["final_line"]``) when their folders
        are there. Not restored: the other procedures' results (range tests, comparisons and
        their trained weights): ``summary.json`` keeps only their numbers, under
        ``to_dict()["results"]`` of the saved report.
        """
        from jaxscape.landscape import load_landscape

        folder = Path(folder)
        path = folder / "summary.json"
        s = load_json(path) if path.is_file() else None
        if not isinstance(s, dict) or "decisions" not in s:
            raise ValueError(f"folder: {folder} holds no recipe report's summary.json")
        results = {
            name: load_landscape(folder / name)
            for name in ("initial_line", "final_line")
            if (folder / name).is_dir()
        }
        return cls(
            {k: s.get(k) for k in HYPERPARAMETERS},
            tuple(Decision(**d) for d in s["decisions"]),
            tuple(RedFlag(**f) for f in s.get("red_flags", [])),
            results,
            s.get("info") or {},
        )


#: The keys of :attr:`Report.hyperparameters`, as ``summary.json`` has them.
HYPERPARAMETERS = (
    "learning_rate",
    "momentum",
    "use_decay",
    "use_cyclical",
    "plateau_epoch",
    "decay",
    "cycle",
    "best_optimizer",
    "final",
    "final_val",
)


def _num(value: Any) -> str:
    return "nan" if value is None else f"{value:.4g}"
