"""A self-contained HTML gallery of saved landscapes (lines side by side, with metadata).

Seed 000 closes with the wish for "a gallery of observed final line searches, just to see the
variety of loss landscapes out there". Save each final line (``line.save(folder)``) wherever a
project lives, then point :func:`gallery` at the folders: every landscape found is drawn, its
PNG embedded as base64 (the page needs no other file), next to what it was made from.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jaxscape._io import atomic_write_text
from jaxscape.landscape.result import (
    LandscapeLine,
    LandscapeSurface,
    held_out_metric,
    load_landscape,
)
from jaxscape.plot._style import png_bytes
from jaxscape.plot.landscape import plot_line, plot_plane

Item = LandscapeLine | LandscapeSurface | str | os.PathLike

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px;
       color: #222; background: #fafafa; }
h1 { font-size: 20px; margin-bottom: 4px; }
.sub { color: #666; font-size: 13px; margin-bottom: 18px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(430px, 1fr)); gap: 16px; }
.card { background: white; border: 1px solid #ddd; border-radius: 6px; padding: 10px; }
.card h2 { font-size: 14px; margin: 2px 0 8px 0; }
.card img { width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 12px; width: 100%; }
td { border-top: 1px solid #eee; padding: 2px 4px; vertical-align: top; }
td.k { color: #666; white-space: nowrap; width: 35%; }
"""

_SHOWN = (
    "problem",
    "kind",
    "direction",
    "normalization",
    "ignore_biasbn",
    "move",
    "splits",
    "points",
)


def _collect(items: Sequence[Item]) -> list[tuple[Any, str]]:
    """``(landscape, source)`` pairs; a folder without a result is searched recursively."""
    found: list[tuple[Any, str]] = []
    for i, item in enumerate(items):
        if isinstance(item, LandscapeLine | LandscapeSurface):
            found.append((item, f"item {i}"))
            continue
        if not isinstance(item, str | os.PathLike):
            raise TypeError(
                f"paths_or_lines[{i}] must be a landscape or a folder, got {type(item).__name__}"
            )
        folder = Path(item).expanduser()
        if (folder / "landscape.json").is_file():
            found.append((load_landscape(folder), str(folder)))
        elif folder.is_dir():
            for sub in sorted(folder.rglob("landscape.json")):
                found.append((load_landscape(sub.parent), str(sub.parent)))
        else:
            raise FileNotFoundError(f"paths_or_lines[{i}]: {folder} does not exist")
    return found


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def _summary(item: Any) -> list[tuple[str, str]]:
    md = item.metadata
    rows = [(k, _fmt(md[k])) for k in _SHOWN if k in md]
    if isinstance(item, LandscapeLine):
        metric = held_out_metric(item.metrics)
        held = [s for s in ("val", "test") if f"{s}_loss" in item.metrics]
        a, v = item.minimum(metric)
        rows.append((f"min {metric}", f"{v:.4g} at alpha = {a:.3g}"))
        for alpha in md.get("endpoints") or [0.0]:
            rows.append((f"{metric} at {alpha:g}", f"{item.value_at(alpha, metric):.4g}"))
        for split in held[:1]:
            if f"{split}_accuracy" in item.metrics:
                best = float(max(item.metrics[f"{split}_accuracy"]))
                rows.append((f"max {split} accuracy", f"{best:.4g}"))
    else:
        x, y, v = item.minimum()
        rows.append(("min train loss", f"{v:.4g} at ({x:.3g}, {y:.3g})"))
        if item.explained_variance is not None:
            rows.append(("explained variance", _fmt([float(e) for e in item.explained_variance])))
    return rows


def _card(item: Any, source: str) -> str:
    is_line = isinstance(item, LandscapeLine)
    fig = plot_line(item) if is_line else plot_plane(item, kind="contourf")
    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    rows = "".join(
        f'<tr><td class="k">{html.escape(k)}</td><td>{html.escape(v)}</td></tr>'
        for k, v in [*_summary(item), ("source", source)]
    )
    return (
        f'<div class="card"><h2>{html.escape(item.label)}</h2>'
        f'<img alt="{html.escape(item.label)}" src="data:image/png;base64,{data}">'
        f"<table>{rows}</table></div>"
    )


def gallery(
    paths_or_lines: Sequence[Item],
    out_html: str | os.PathLike,
    *,
    title: str = "Loss landscape gallery",
) -> Path:
    """Write one self-contained HTML page showing every given landscape with its metadata.

    Args:
      paths_or_lines: :class:`~jaxscape.landscape.LandscapeLine`/``LandscapeSurface``
        objects, folders of saved ones, or folders searched recursively for saved ones.
      out_html: the page to write (atomically).
      title: the page heading.

    Returns:
      The path of the page.

    Raises:
      ValueError: nothing to show.

    Example:
      >>> import numpy as np, tempfile, os, jaxscape as js
      >>> from jaxscape.plot.gallery import gallery
      >>> a = np.linspace(-0.5, 1.5, 21)
      >>> md = {"kind": "interpolation"}
      >>> line = js.landscape.LandscapeLine(a, {"train_loss": (a - 1) ** 2}, md)
      >>> page = gallery([line], os.path.join(tempfile.mkdtemp(), "g.html"))
      >>> page.read_text().count("data:image/png;base64")
      1
    """
    if isinstance(paths_or_lines, str | os.PathLike | LandscapeLine | LandscapeSurface):
        paths_or_lines = [paths_or_lines]
    found = _collect(list(paths_or_lines))
    if not found:
        raise ValueError("paths_or_lines holds no saved landscape")
    cards = "\n".join(_card(item, source) for item, source in found)
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f'<div class="sub">{len(found)} landscape(s), written {stamp} by jaxscape</div>'
        f'<div class="grid">\n{cards}\n</div></body></html>\n'
    )
    return atomic_write_text(out_html, page)
