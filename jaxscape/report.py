"""Compatibility: the HTML building blocks moved to :mod:`jaxscape._html` and the recipe's page
to :mod:`jaxscape.tune.seven_steps.page`. Import from there; this module goes once nothing
imports it (``jaxscape/search/report.py`` still does).
"""

from jaxscape._html import CSS, esc, figure_html, fmt, page, table

__all__ = ["CSS", "esc", "figure_html", "fmt", "page", "table"]
