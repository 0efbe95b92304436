"""The user's own code on the command line: ``--model package.module:factory`` and
``--data package.module:loader``.

A reference ``TARGET:NAME`` names an attribute of a module: ``TARGET`` is a dotted module name
importable from the current folder or ``sys.path`` (``mypkg.models``), or a path to a Python
file (``path/to/file.py``). Every failure (no colon, a module that cannot be imported, a
missing attribute, something that is not callable) is a one-line ``ValueError`` naming the
option and the reference, so the command exits with status 2 and no traceback.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import math
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from jaxscape import data as jdata
from jaxscape.models.spec import ModelSpec
from jaxscape.problem import Problem


def is_reference(text: str) -> bool:
    """Whether ``text`` looks like ``module:attribute`` rather than a name or a path.

    >>> is_reference("mypkg.models:make_mlp"), is_reference("mlp"), is_reference("data.npz")
    (True, False, False)
    >>> is_reference("./models.py:net"), is_reference("C:\\\\data\\\\x.npz")
    (True, False)
    """
    target, sep, name = str(text).rpartition(":")
    return bool(sep and target) and all(p.isidentifier() for p in name.split("."))


def resolve(option: str, text: str) -> Any:
    """The object named by ``TARGET:NAME`` (``NAME`` may be dotted: ``mod:Class.build``)."""
    target, sep, name = str(text).rpartition(":")
    if not sep or not target or not name:
        raise ValueError(
            f"{option}: expected package.module:name or path/to/file.py:name, got {text!r}"
        )
    module = _import(option, target)
    obj: Any = module
    for part in name.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"{option} {text}: module {target!r} has no attribute {name!r}")
        obj = getattr(obj, part)
    return obj


def resolve_callable(option: str, text: str) -> Any:
    """:func:`resolve`, refusing an object that cannot be called."""
    obj = resolve(option, text)
    if not callable(obj):
        raise ValueError(f"{option} {text}: {type(obj).__name__} object is not callable")
    return obj


def _import(option: str, target: str) -> ModuleType:
    """Import ``target``: a ``.py`` path or a dotted module name (the current folder first)."""
    try:
        if target.endswith(".py") or os.sep in target or "/" in target:
            return _import_file(option, target)
        if os.getcwd() not in sys.path and "" not in sys.path:
            sys.path.insert(0, os.getcwd())  # as ``python -m``: modules of the current folder
        return importlib.import_module(target)
    except ValueError:
        raise
    except Exception as err:  # the user's module failed to import: say which and why
        why = " ".join(f"{type(err).__name__}: {err}".split())
        raise ValueError(f"{option}: cannot import module {target!r} ({why})") from None


def _import_file(option: str, target: str) -> ModuleType:
    path = Path(target).expanduser()
    if not path.is_file():
        raise ValueError(f"{option}: no Python file {target!r}")
    name = f"_jaxscape_user_{path.stem}_{abs(hash(str(path.resolve()))):x}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has one
        raise ValueError(f"{option}: cannot import {target!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def required_positional(fn: Any) -> int:
    """How many positional parameters without a default ``fn`` needs (0 when unknown).

    >>> required_positional(lambda rngs, width=2: None), required_positional(lambda: None)
    (1, 0)
    """
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in kinds and p.default is inspect.Parameter.empty for p in _params(fn))


def _params(fn: Any) -> list[inspect.Parameter]:
    """The parameters of ``fn``; of a class, its ``__init__``'s after ``self`` (a metaclass's
    ``__call__``, as ``nnx.Module``'s, hides them from ``inspect.signature(cls)``)."""
    try:
        if isinstance(fn, type):
            return list(inspect.signature(fn.__init__).parameters.values())[1:]
        return list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return []


def user_model(text: str) -> Any:
    """What ``--model TARGET:NAME`` names: a :class:`~jaxscape.Problem`, a model spec, or a
    module factory ``rngs -> nnx.Module``.

    A callable that takes ``rngs`` (or any required positional argument) is the factory; one
    that takes none is called once and must return one of the three (a function building a
    whole problem, say).
    """
    obj = resolve("--model", text)
    if isinstance(obj, Problem | ModelSpec):
        return obj
    if not callable(obj):
        raise ValueError(f"--model {text}: {type(obj).__name__} object is not callable")
    if _takes(obj, "rngs") or required_positional(obj) > 0:
        return obj
    made = obj()
    if isinstance(made, Problem | ModelSpec) or callable(made):
        return made
    raise ValueError(
        f"--model {text}: called with no arguments it returned {type(made).__name__}; expected "
        "a jaxscape.Problem, a jaxscape.models spec or a callable rngs -> nnx.Module"
    )


def module_factory(model: Any, data: jdata.Dataset) -> Any:
    """``model`` as ``Problem.from_model`` takes it: a spec as it is; a factory called with
    ``rngs`` (by keyword when it takes ``rngs``), plus ``input_shape=`` and ``num_outputs=``
    (the data's) when its signature names them."""
    if isinstance(model, ModelSpec):
        return model
    extra: dict[str, Any] = {}
    if _takes(model, "input_shape"):
        extra["input_shape"] = tuple(data.input_shape)
    if _takes(model, "num_outputs"):
        outputs = math.prod(data.target_shape or (1,))
        extra["num_outputs"] = data.num_classes if data.is_classification else outputs
    if not extra and not _takes(model, "rngs"):
        return model
    return functools.partial(_call_with_rngs, model, extra)


def _call_with_rngs(model: Any, extra: dict[str, Any], rngs: Any) -> Any:
    return model(rngs=rngs, **extra) if _takes(model, "rngs") else model(rngs, **extra)


def _takes(fn: Any, name: str) -> bool:
    """Whether ``fn``'s signature has a parameter ``name``."""
    return any(p.name == name for p in _params(fn))


def load_user_data(text: str) -> jdata.Dataset:
    """Call the ``--data`` loader ``text`` names: it returns a ``Dataset``, ``(x, y)`` or
    ``(x, y, x_test, y_test)`` (then wrapped by :func:`jaxscape.data.from_arrays`, holding out
    a fifth as the test split when no test arrays are given, as ``jaxscape.data.load`` does)."""
    loader = resolve_callable("--data", text)
    out = loader()
    if isinstance(out, jdata.Dataset):
        return out
    name = text.rpartition(":")[2]
    if isinstance(out, tuple | list) and len(out) == 2:
        return jdata.from_arrays(out[0], out[1], test_fraction=0.2, name=name)
    if isinstance(out, tuple | list) and len(out) == 4:
        x, y, x_test, y_test = out
        return jdata.from_arrays(x, y, x_test=x_test, y_test=y_test, name=name)
    raise ValueError(
        f"--data {text}: the loader must return a jaxscape.data.Dataset, (x, y) or "
        f"(x, y, x_test, y_test), got {type(out).__name__}"
    )
