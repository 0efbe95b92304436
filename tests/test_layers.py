"""The layer rule (docs/design-notes.md, "Layers, enforced"): imports inside ``jaxscape/`` run
one way, downwards.

Every module belongs to a layer (its first package below ``jaxscape``); a module may import
from its own layer and from any lower one. One exception, by design: a result's ``plot``
draws with the presentation layer (``jaxscape.plot``), importing it inside the function body
when a figure is asked for, so the library and its results load without matplotlib.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import jaxscape

ROOT = Path(jaxscape.__file__).parent

#: Rank of every layer; a module may import a rank at most its own.
LAYERS: dict[str, int] = {
    # foundation: every private top-level module (``jaxscape/_*.py``) is rank 0, see _rank
    # bottom floors
    "optim": 1, "schedules": 1, "models": 1, "data": 1, "losses": 1,
    "problem": 2, "evaluation": 2, "testfunctions": 2, "_hvp": 2,
    "population": 3,
    "landscape": 4,
    # procedures built on populations and landscapes (siblings never import each other)
    "tune": 5, "search": 5, "study": 5, "bench": 5,
    # presentation: HTML pages and figures of what the layers below return
    "plot": 6,
    # loggers: the trackers (TensorBoard, MLflow, W&B) fed a sweep's live records
    "loggers": 6,
    # the command line and the package's front door
    "cli": 7, "__init__": 7, "__main__": 7,
}  # fmt: skip
LAZY_UP_ALLOWED = ("plot",)
SIBLINGS = ("tune", "search", "study", "bench")


def _rank(layer: str) -> int | None:
    """A layer's rank: private top-level modules are the foundation (0)."""
    return 0 if layer.startswith("_") and layer not in LAYERS else LAYERS.get(layer)


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[tuple[str, bool, int]]:
    """``(module, lazy, line)`` of every jaxscape import in ``path``; lazy = inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lazy_nodes = {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
        for n in ast.walk(f)
    }
    found = []
    for node in ast.walk(tree):
        lazy = id(node) in lazy_nodes
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "jaxscape":
                found += [(f"jaxscape.{a.name}", lazy, node.lineno) for a in node.names]
            elif node.module.startswith("jaxscape."):
                found.append((node.module, lazy, node.lineno))
        elif isinstance(node, ast.Import):
            found += [
                (a.name, lazy, node.lineno) for a in node.names if a.name.startswith("jaxscape")
            ]
    return found


def _modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    return ".".join(rel.parts)


def _violations(path: Path, name: str | None = None) -> list[str]:
    name = name or _module_name(path)
    here = "__init__" if name == "jaxscape.__init__" else _layer(name)
    out = []
    for target, lazy, line in _imports(path):
        there = _layer(target)
        if target == "jaxscape" or _rank(there) is None or _rank(here) is None:
            out.append(f"{name}:{line} imports {target} (layer unknown: add it to LAYERS)")
            continue
        upward = _rank(there) > _rank(here)
        sibling = here != there and here in SIBLINGS and there in SIBLINGS
        if (upward and not (lazy and there in LAZY_UP_ALLOWED)) or sibling:
            out.append(f"{name}:{line} ({here}) imports {target} ({there})")
    return out


def test_every_module_has_a_layer():
    unknown = {_layer(_module_name(p)) for p in _modules()}
    unknown = {u for u in unknown if _rank(u) is None}
    assert not unknown, f"modules outside the layer table: {sorted(unknown)}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_run_downwards(path):
    assert not _violations(path), "\n".join(_violations(path))


def test_the_rule_catches_an_upward_import(tmp_path):
    """The checker itself: an engine module importing a procedure, at the top or lazily, or
    a procedure importing a sibling, is flagged; a lazy import of the plot layer is not."""
    probe = tmp_path / "engine.py"
    probe.write_text(
        "from jaxscape.tune import recipe\n"
        "from jaxscape.optim import sgd\n"
        "def f():\n    from jaxscape.plot import sweep\n    import jaxscape.search\n"
    )
    found = _violations(probe, "jaxscape.population.engine")
    assert [v.split(" imports ")[1] for v in found] == [
        "jaxscape.tune (tune)",
        "jaxscape.search (search)",
    ]
    probe.write_text("from jaxscape.search import random_search\n")
    assert len(_violations(probe, "jaxscape.tune.recipe")) == 1
