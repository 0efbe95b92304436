"""Sphinx configuration of the jaxscape documentation (``sphinx-build -W docs site``)."""

from __future__ import annotations

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")  # autodoc imports jaxscape; never grab a GPU
os.environ.setdefault("MPLBACKEND", "Agg")

project = "jaxscape"
author = "the jaxscape authors"
copyright = "the jaxscape authors"

extensions = [
    "myst_parser",  # pages in Markdown (the gallery and design notes are shared with GitHub)
    "sphinx.ext.autodoc",  # API reference from the docstrings
    "sphinx.ext.napoleon",  # Google-style sections (Args:, Returns:, Example:)
    "sphinx.ext.mathjax",  # the optimizers' update rules (:math:, .. math::)
    "sphinx.ext.intersphinx",
]

source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "README.md"]
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "description"
autodoc_typehints_format = "short"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True  # "Attributes:" as fields, not duplicates of autodoc's members

html_theme = "sphinx_book_theme"
html_title = "jaxscape"
html_static_path: list[str] = []


def _lookup(name):
    import importlib

    module_name, _, attr = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError):
        return None


def _resolve_reexport(app, env, node, contnode):
    """Resolve a reference to a re-export (``jaxscape.sweep``) to the page documenting it.

    ``jaxscape.sweep`` is ``jaxscape.population.sweep``, documented on the population page: a
    reference that finds no entry under its own name links to the documented entry of the same
    Python object.
    """
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target.startswith("jaxscape."):
        return None
    obj = _lookup(target)
    if obj is None:
        return None
    domain = env.get_domain("py")
    tail = "." + target.rpartition(".")[2]
    for name in list(domain.objects):
        if name.endswith(tail) and name != target and _lookup(name) is obj:
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], name, node, contnode
            )
    return None


def setup(app):
    app.connect("missing-reference", _resolve_reexport)
