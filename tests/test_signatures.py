"""No function of ``jaxscape``, public or private, takes more than :data:`LIMIT` parameters.

Options that travel together are one frozen object (``Training``, ``Judging``, ``Ramp``...)
built once and passed down, not a keyword chain re-declared at every level (docs/design-notes.md,
"Options travel as objects"). ``self``/``cls`` and ``*args``/``**kwargs`` are not counted: a
procedure's ``**options`` are shortcuts onto its objects' fields, checked by name. Private
functions, methods of private classes and nested functions count like public ones.
"""

from __future__ import annotations

import ast
from pathlib import Path

import jaxscape

ROOT = Path(jaxscape.__file__).parent

#: The most named parameters a function may take.
LIMIT = 10

#: Modules still over the limit, owned elsewhere and to be shrunk: every entry is a path
#: prefix relative to ``jaxscape/``. Remove an entry once its functions fit.
ALLOWED = (
    "landscape/",
    "bench/",
)


def _over(path: Path, root: Path = ROOT, limit: int = LIMIT) -> list[str]:
    """``"module:qualname (n)"`` of every function of ``path`` over ``limit``: public and
    private, methods of any class, functions nested in functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(root).as_posix()
    found: list[str] = []

    def visit(node: ast.AST, prefix: str, in_class: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.", True)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                a = child.args
                names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
                if in_class and names and names[0] in ("self", "cls"):
                    names = names[1:]
                if len(names) > limit:
                    found.append(f"{rel}:{prefix}{child.name} ({len(names)})")
                visit(child, f"{prefix}{child.name}.", False)
            else:
                visit(child, prefix, in_class)

    visit(tree, "", False)
    return found


def _all_over() -> list[str]:
    return [f for p in sorted(ROOT.rglob("*.py")) for f in _over(p)]


def test_no_function_takes_more_than_ten_parameters():
    """Public and private functions alike (the allowance aside)."""
    over = _all_over()
    print("\n".join(["over the limit:", *over]))
    offending = [o for o in over if not o.startswith(ALLOWED)]
    assert not offending, "\n".join(offending)


def test_the_procedures_fit_without_an_allowance():
    """tune/ and study/ are not in the allowance: every procedure takes objects."""
    over = [o for o in _all_over() if o.startswith(("tune/", "study/"))]
    assert not over, "\n".join(over)


def test_the_checker_counts_parameters(tmp_path):
    """Named parameters count (``self`` and ``**kwargs`` do not); private functions, private
    classes' methods and nested functions count too."""
    path = tmp_path / "m.py"
    eleven, ten = ", ".join(f"a{i}" for i in range(11)), ", ".join(f"a{i}" for i in range(10))
    path.write_text(
        f"def f({eleven}): ...\ndef _g({eleven}): ...\n"
        f"class C:\n    def m(self, {ten}, **kw): ...\n    def n(self, *, {eleven}): ...\n"
        f"class _D:\n    def _p(cls, {eleven}): ...\n"
        f"def h():\n    def inner({eleven}): ...\n    return inner\n"
        f"if True:\n    def k(*a, {ten}, **kw): ...\n"
    )
    assert _over(path, tmp_path) == [
        "m.py:f (11)",
        "m.py:_g (11)",
        "m.py:C.n (11)",
        "m.py:_D._p (11)",
        "m.py:h.inner (11)",
    ]
