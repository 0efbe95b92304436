"""A search's HTML page and files: the result, its figures (PNG) and ``report.html``.

The page reuses :mod:`jaxscape._html`'s building blocks (one stylesheet, figures embedded as
base64, tables) and needs no other file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jaxscape._html import esc, figure_html, fmt, page, table
from jaxscape._io import atomic_write_bytes, atomic_write_text
from jaxscape.search.result import SearchResult

_CAPTIONS = {
    "incumbent": "best validation score so far against training steps spent",
    "slices": "score of every trial against each parameter (log axes where the space is log)",
    "heatmap": "best score per cell over two parameters",
}


def search_figures(res: SearchResult, space: Any = None) -> dict[str, Any]:
    """``{name: Figure}``: the incumbent trajectory, slices, and a heat map of the first two
    numeric parameters that vary (when there are two)."""
    from jaxscape.plot.search import numeric_params, plot_heatmap, plot_incumbent, plot_slices

    figures = {"incumbent": plot_incumbent(res)}
    names = numeric_params(res)
    if names:
        figures["slices"] = plot_slices(res, space)
    if len(names) >= 2:
        figures["heatmap"] = plot_heatmap(res, names[0], names[1], space)
    return figures


def search_html(res: SearchResult, pngs: Mapping[str, bytes], top: int = 20) -> str:
    """The HTML page of ``res`` with the figures ``pngs`` (``{name: PNG bytes}``)."""
    best = res.best()
    rows = [["trial", best["trial"]], [f"validation {res.metric}", best["score"]]]
    rows += [[k, v] for k, v in best["config"].items()]
    rows += [[f"{k} (once, this configuration only)", v] for k, v in best["test"].items()]
    body = ["<h2>Best configuration</h2>", table(rows, ["", ""])]
    for name, data in pngs.items():
        body.append(figure_html(data, _CAPTIONS.get(name, name), name))
    order = sorted(range(res.n_trials), key=lambda i: -res._key(res.scores)[i])[:top]
    names = list(dict.fromkeys(k for c in res.configs for k in c))
    trial_rows = [
        [
            int(res.trial[i]),
            int(res.round[i]),
            *(res.configs[i].get(k) for k in names),
            float(res.scores[i]),
            "diverged" if res.diverged[i] else "",
        ]
        for i in order
    ]
    body.append(f"<h2>The best {len(order)} of {res.n_trials} trials</h2>")
    body.append(table(trial_rows, ["trial", "round", *names, res.metric, ""], highlight=[0]))
    info = [[k, v] for k, v in res.info.items() if k != "space"]
    body += ["<h2>Run</h2>", table(info, ["", ""])]
    if "space" in res.info:
        body.append(f"<p class='sub'>space: <code>{esc(res.info['space'])}</code></p>")
    subtitle = (
        f"{esc(res.info.get('problem', ''))} · {esc(res.strategy)} · {res.n_trials} trials · "
        f"{fmt(float(res.resource.sum()))} training steps"
    )
    return page("jaxscape search report", "".join(body), subtitle=subtitle)


def save_search_report(
    res: SearchResult, folder: str | os.PathLike, space: Any = None
) -> dict[str, Path]:
    """Write the result into ``folder/result`` (:meth:`SearchResult.save`: ``search.json``,
    ``trials.csv``, ``arrays.npz``), then ``<figure>.png`` and ``report.html`` into ``folder``,
    each file atomically (the folder itself is never swapped, so a study database kept there
    by other processes is left alone). Returns ``{"result": ..., "html": ..., "<figure>": ...}``.
    """
    from jaxscape.plot._style import png_bytes

    out = Path(folder)
    saved = res.save(out / "result")
    pngs = {name: png_bytes(fig) for name, fig in search_figures(res, space).items()}
    paths = {name: atomic_write_bytes(out / f"{name}.png", data) for name, data in pngs.items()}
    paths["html"] = atomic_write_text(out / "report.html", search_html(res, pngs))
    paths["result"] = saved
    return paths
