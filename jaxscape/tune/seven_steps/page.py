"""The recipe's HTML page: every step's decision, figure and table, red flags, the run's record.

:func:`recipe_html` lays out a :class:`jaxscape.tune.Report`; :func:`save_recipe_report` writes
it with every figure as a PNG, the line searches and ``summary.json``, each file atomically.
The building blocks are :mod:`jaxscape._html`'s.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from jaxscape._html import esc, figure_html, fmt, page, table
from jaxscape._io import atomic_write_bytes, atomic_write_text, save_json
from jaxscape._result import label as _label

PathLike = str | os.PathLike


def _flags_box(report: Any) -> str:
    flags = report.red_flags
    if not flags:
        return (
            "<div class='box ok'><h2>Red flags: none</h2>No symptom of a bug was seen: the "
            "initial loss, the loss at small and large rates, the validation accuracy, the "
            "train/validation gap and the final line all look as expected.</div>"
        )
    items = "".join(
        f"<div class='flag'><span class='code'>{esc(f.code)}</span> <b>{esc(f.step)}</b>: "
        f"{esc(f.message)}<br><i>Check:</i> {esc(f.check)}</div>"
        for f in flags
    )
    return f"<div class='box flags'><h2>Red flags ({len(flags)})</h2>{items}</div>"


def _chosen_table(report: Any) -> str:
    hp = report.hyperparameters
    best = hp.get("best_optimizer") or {}
    rows = [
        ["learning_rate", hp.get("learning_rate"), "2. parallel range test (band centre)"],
        ["momentum", hp.get("momentum"), "3. momentum test, confirmed over seeds"],
        ["use_decay", hp.get("use_decay"), "4. paired verdict over seeds"],
        ["power decay per epoch", hp.get("decay"), "4. (2/3)^(1/M)"],
        ["use_cyclical", hp.get("use_cyclical"), "5. paired verdict over seeds"],
        ["plateau epoch M", hp.get("plateau_epoch"), "3./4. plateau rule"],
        ["best_optimizer", best.get("name"), "6. paired verdicts against the tuned SGD"],
        ["its learning_rate", best.get("learning_rate"), "6. its own rate search"],
    ]
    out = table(rows, ["hyperparameter", "value", "from"])
    frows = _final_rows(hp.get("final") or {}, hp.get("final_val") or {})
    if frows:
        out += (
            f"<h2>Final performance of {esc(best.get('name'))}</h2>"
            "<p>Every choice above scored the validation split. The test split was evaluated "
            "once, after the choices, for the chosen configuration only.</p>"
            + table(frows, ["metric", "value", "split and how"])
        )
    return out


def _final_rows(final: dict, final_val: dict) -> list[list]:
    """Rows of the final-performance table, each naming the split its number comes from."""
    rows = [
        [_label(k), v, "test: mean over the seeds' trained weights, evaluated once"]
        for k, v in (final.get("mean_over_seeds") or {}).items()
    ]
    split = {"val": "validation", "train": "training"}.get(final_val.get("split"), "")
    rows += [
        [_label(k), v, f"{split}: mean over the seeds at the end of training (chosen on)"]
        for k, v in (final_val.get("mean_over_seeds") or {}).items()
    ]
    weights = dict(final_val.get("trained_weights") or {})
    seed = weights.pop("seed", None)
    rows += [
        [_label(k), v, f"{_split_name(k)}: seed {seed}'s trained weights, exact"]
        for k, v in weights.items()
    ]
    return rows


def _split_name(metric: str) -> str:
    return {"train": "training", "val": "validation", "test": "test"}.get(
        metric.split("_", 1)[0], ""
    )


def _decision(report: Any, prefix: str) -> str:
    out = []
    for d in report.decisions:
        if d.step.startswith(prefix):
            out.append(
                f"<div class='decision'><b>Decision:</b> <span class='choice'>{esc(d.choice)}"
                f"</span><br>{esc(d.why)}</div>"
            )
    return "".join(out)


def _range_table(test: Any) -> str:
    rows, hl, bad = [], [], []
    for i, v in enumerate(test.values):
        row = [float(v)]
        for name in (test.metric, "train_loss"):
            row.append(float(test.curves[name][i, -1]))
        row.append("failed" if test.failed[i] else "")
        rows.append(row)
        if math.isfinite(test.suggestion) and v == test.suggestion:
            hl.append(i)
        elif test.failed[i]:
            bad.append(i)
    head = [test.param, f"final {test.metric}", "final train_loss", ""]
    return (
        f"<details><summary>every run ({len(rows)})</summary>"
        + table(rows, head, highlight=hl, bad=bad)
        + "</details>"
    )


def _comparison_table(cmp: Any) -> str:
    rows = []
    for arm in cmp.arms:
        finals = cmp.final(arm)
        v = cmp.verdicts.get(arm)
        rows.append(
            [
                arm,
                float(np.nanmean(finals)) if np.any(np.isfinite(finals)) else float("nan"),
                ", ".join(fmt(float(x)) for x in finals),
                "baseline" if v is None else f"{v.effect:+.3g} ± {v.se:.2g}",
                "" if v is None else ("adopt" if v.adopt else "keep baseline"),
            ]
        )
    hl = [cmp.arms.index(cmp.chosen())]
    head = ["arm", f"mean final {cmp.metric}", "per seed", "improvement ± SE", "verdict"]
    return table(rows, head, highlight=hl)


_STEPS = [
    ("1_initial_line", "1. Initial line search", "1.", None),
    ("2_lr_range", "2. Learning-rate range test", "2.", "lr_range"),
    ("2_lr_ramp", None, None, None),
    ("3_momentum_range", "3. Momentum range test and confirmation", "3.", "momentum_range"),
    ("3_momentum_confirm", None, None, "momentum_confirm"),
    ("4_5_schedules", "4.–5. Learning-rate decay and cyclical rate", ("4.", "5."), "schedules"),
    ("6_optimizers", "6. Other optimizers", "6.", "optimizers"),
    ("7_final_line", "7. Final line search", "7.", None),
    ("final_test", "The test split, once", "final", None),
]

_INTRO = {
    "1_initial_line": "Metrics along a straight line through the initial weights, toward the "
    "weights after a few Adam steps on a subset (alpha 1). How far can a step go before the "
    "loss turns back up — the cliff a too-large learning rate falls off?",
    "2_lr_range": "Every rate trained for the same short budget from the same initial weights "
    "and mini-batches, as one population: too-small rates barely move, too-large ones fall "
    "off the cliff, the good band lies in between. The ramp (one run, rate growing every "
    "step, fastai's rules) is shown for comparison.",
    "3_momentum_range": "The same at the chosen rate, over momenta spaced evenly in "
    "log(1/(1-m)); then the chosen momentum against none, over seeds, for the long budget.",
    "4_5_schedules": "The constant rate, power decay (times (2/3)^(1/M) per epoch) and the "
    "cyclical rate (2x down to 1/2x over M epochs, then back), over seeds, in one population.",
    "6_optimizers": "Each optimizer family gets its own rate search (the SGD rate is no "
    "guide for Adam), then the chosen configurations are trained over the same seeds.",
    "7_final_line": "The straight line from the initial (alpha 0) to the trained weights "
    "(alpha 1). A bump between them is a barrier.",
    "final_test": "Every choice above scored the validation split, carved from the training "
    "data. The test split is then evaluated once, for the chosen configuration only, so its "
    "number is not biased by the choices.",
}


def _step_sections(report: Any, pngs: Mapping[str, bytes]) -> str:
    out = []
    r = report.results
    for key, title, prefix, result_key in _STEPS:
        if title is not None:
            out.append(f"<h2>{esc(title)}</h2>")
            if key in _INTRO:
                out.append(f"<p>{esc(_INTRO[key])}</p>")
            prefixes = prefix if isinstance(prefix, tuple) else (prefix,)
            for p in prefixes:
                out.append(_decision(report, p))
        if key in pngs:
            out.append(figure_html(pngs[key], alt=key))
        res = r.get(result_key) if result_key else None
        if res is None:
            continue
        if hasattr(res, "band"):
            out.append(f"<p class='sub'>Rule: {esc(res.rule)}</p>")
            out.append(_range_table(res))
        elif hasattr(res, "verdicts"):
            out.append(_comparison_table(res))
            if res.plateau is not None:
                out.append(f"<p class='sub'>Plateau: {esc(res.plateau.rule)}.</p>")
        elif hasattr(res, "comparison"):
            out.append(_comparison_table(res.comparison))
            out.append(f"<p class='sub'>Rule: {esc(res.rule)}.</p>")
    return "".join(out)


def _info_table(report: Any) -> str:
    info = dict(report.info)
    rows = []
    for key in ("problem", "data", "num_params", "loss", "metric", "batch_size", "steps_per_epoch"):
        if key in info:
            rows.append([key, info[key]])
    rows.append(["seeds", ", ".join(str(s) for s in info.get("seeds", []))])
    for k, v in (info.get("budget") or {}).items():
        rows.append([f"budget: {k}", v])
    rows.append(["wall time (s)", info.get("wall_time_s")])
    for k, v in (info.get("step_times_s") or {}).items():
        rows.append([f"time of step {k} (s)", v])
    for k, v in (info.get("versions") or {}).items():
        rows.append([f"version: {k}", v])
    rows += [["backend", info.get("backend")], ["date", info.get("date")]]
    return table(rows, ["", ""])


def recipe_html(report: Any, pngs: Mapping[str, bytes] | None = None) -> str:
    """The HTML page of a recipe :class:`~jaxscape.tune.Report`.

    Args:
      report: the report.
      pngs: ``{figure name: PNG bytes}``; default: every figure of
        :func:`jaxscape.plot.tune.recipe_figures`, rendered now.
    """
    if pngs is None:
        pngs = _render(report)
    info = report.info
    body = [
        _flags_box(report),
        "<h2>Chosen hyperparameters</h2>",
        _chosen_table(report),
    ]
    if "overview" in pngs:
        body.append(figure_html(pngs["overview"], "every step at a glance", "overview"))
    body.append(_step_sections(report, pngs))
    body += ["<h2>Run</h2>", _info_table(report)]
    subtitle = (
        f"{esc(info.get('problem', ''))} · {fmt(info.get('num_params'))} parameters · "
        f"{esc(info.get('data', ''))} · {fmt(info.get('wall_time_s'))} s"
    )
    return page("jaxscape recipe report", "".join(body), subtitle=subtitle)


def _render(report: Any) -> dict[str, bytes]:
    from jaxscape.plot._style import png_bytes
    from jaxscape.plot.tune import recipe_figures

    return {name: png_bytes(fig) for name, fig in recipe_figures(report).items()}


def save_recipe_report(report: Any, folder: PathLike) -> dict[str, Path]:
    """Write ``report.html``, ``summary.json``, ``<figure>.png`` files and the line searches
    (``initial_line/``, ``final_line/``, as saved landscapes) into ``folder``.

    Each file is written atomically (temporary file, then rename). Returns their paths:
    ``{"html": ..., "summary": ..., "<figure name>": ...}``.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    pngs = _render(report)
    paths: dict[str, Path] = {}
    for name, data in pngs.items():
        paths[name] = atomic_write_bytes(out / f"{name}.png", data)
    for name in ("initial_line", "final_line"):
        line = report.results.get(name)
        if line is not None and hasattr(line, "save"):
            paths[name] = line.save(out / name)
    paths["summary"] = save_json(out / "summary.json", report.to_dict())
    paths["html"] = atomic_write_text(out / "report.html", recipe_html(report, pngs))
    return paths
