"""The building blocks of self-contained HTML pages: one stylesheet, tables, embedded figures.

A page needs no other file (no scripts, fonts or images fetched from anywhere), so it can be
mailed, archived or opened offline: figures are embedded as base64 PNG. The recipe's page
(:mod:`jaxscape.tune.seven_steps.page`) and the search's are laid out with :func:`table`,
:func:`figure_html` and :func:`page`.
"""

from __future__ import annotations

import base64
import html
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

PathLike = str | os.PathLike

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222;
       background: #f6f6f4; line-height: 1.45; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 28px 60px; }
h1 { font-size: 22px; margin: 6px 0 2px; }
h2 { font-size: 17px; margin: 30px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.sub { color: #666; font-size: 13px; }
.box { border-radius: 6px; padding: 10px 14px; margin: 14px 0; background: white;
       border: 1px solid #ddd; }
.flags { border-color: #d32f2f; background: #fff5f5; }
.flags h2, .ok h2 { border: none; margin: 2px 0 6px; }
.ok { border-color: #2e7d32; background: #f3fbf3; }
.flag { margin: 8px 0; }
.flag .code { font-family: ui-monospace, monospace; background: #d32f2f; color: white;
              padding: 1px 6px; border-radius: 4px; font-size: 12px; }
.decision { background: white; border-left: 4px solid #1a7f37; padding: 8px 12px;
            margin: 10px 0; }
.decision .choice { font-weight: 600; font-family: ui-monospace, monospace; }
figure { margin: 10px 0; background: white; border: 1px solid #e2e2e2; border-radius: 4px;
         padding: 6px; }
figure img { width: 100%; height: auto; display: block; }
figcaption { font-size: 12px; color: #555; margin-top: 4px; }
table { border-collapse: collapse; font-size: 13px; background: white; margin: 8px 0; }
th, td { border: 1px solid #e0e0e0; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0ee; }
td.num { text-align: right; font-family: ui-monospace, monospace; }
tr.hl td { background: #e8f5e9; font-weight: 600; }
tr.bad td { color: #b71c1c; }
details { margin: 6px 0; }
summary { cursor: pointer; color: #333; font-size: 13px; }
code { font-family: ui-monospace, monospace; font-size: 12px; }
"""


def esc(value: Any) -> str:
    """HTML-escaped text of ``value``."""
    return html.escape(str(value))


def fmt(value: Any, digits: int = 4) -> str:
    """A short text for a table cell (numbers to ``digits`` significant digits)."""
    if value is None:
        return "—"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        v = float(value)
        return "—" if not math.isfinite(v) else f"{v:.{digits}g}"
    return str(value)


def table(
    rows: Sequence[Sequence[Any]],
    header: Sequence[str] | None = None,
    *,
    highlight: Sequence[int] = (),
    bad: Sequence[int] = (),
) -> str:
    """An HTML table; numbers are right-aligned, row indices in ``highlight``/``bad`` marked.

    Example:
      >>> "<td class=\\"num\\">0.5</td>" in table([["a", 0.5]], ["name", "value"])
      True
    """
    out = ["<table>"]
    if header:
        out.append("<tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>")
    for i, row in enumerate(rows):
        cls = " class='hl'" if i in highlight else (" class='bad'" if i in bad else "")
        cells = []
        for v in row:
            num = isinstance(v, int | float | np.number) and not isinstance(v, bool)
            cells.append(
                f'<td class="num">{esc(fmt(v))}</td>' if num else f"<td>{esc(fmt(v))}</td>"
            )
        out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def figure_html(png: bytes, caption: str = "", alt: str = "figure") -> str:
    """A ``<figure>`` with the PNG embedded as a base64 data URI."""
    data = base64.b64encode(png).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img alt="{esc(alt)}" src="data:image/png;base64,{data}">{cap}</figure>'


def page(title: str, body: str, *, subtitle: str = "") -> str:
    """A complete HTML document with jaxscape's embedded stylesheet."""
    sub = f'<div class="sub">{subtitle}</div>' if subtitle else ""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body><main><h1>{esc(title)}</h1>{sub}{body}</main></body></html>\n"
    )
