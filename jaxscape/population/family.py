"""Architecture as a column: a family of problems, one per structure (width, depth, ...).

A structural choice changes the shapes of the parameters, so trials of different structures
cannot share one population. A :class:`ProblemFamily` wraps ``build(**structure) -> Problem``;
:func:`jaxscape.sweep` given a family groups its table's trials by their structural values
(the columns named like ``build``'s parameters), trains each group as one population of the
problem of that structure (built once per process, so a later sweep reuses its compiled
programs) and merges the groups into one :class:`~jaxscape.SweepResult` in the table's order
(:mod:`jaxscape.population._family_sweep`). A search space's parameter named like one of
``build``'s is structural the same way (one population per structure per batch).

>>> import jaxscape as js
>>> def build(hidden: int) -> js.Problem:
...     return js.Problem.from_model(js.models.MLP(hidden=(hidden,)), js.data.digits())
>>> family = js.ProblemFamily(build)
>>> family.parameters
('hidden',)
>>> family.problem(hidden=8) is family.problem(hidden=8)   # built once
True
>>> res = js.sweep(family, js.optim.sgd, js.grid(hidden=[8, 16], learning_rate=[0.1, 0.3]),
...                steps=10, eval_every=5, batch_size=32, progress=False)
>>> res.hyperparams["hidden"].tolist(), res.metrics["val_loss"].shape
([8, 8, 16, 16], (4, 2))
"""

from __future__ import annotations

import inspect
import math
import numbers
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jaxscape.problem import Problem

#: The value kinds a structural parameter's annotation may name, and how errors describe them.
_KINDS: dict[type, str] = {bool: "a bool", int: "an integer", float: "a number", str: "a string"}
_BY_NAME = {t.__name__: t for t in _KINDS}

#: ``((name, value), ...)`` one structure's values in the order of ``build``'s parameters.
Structure = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class _Parameter:
    name: str
    kind: type | None  # bool, int, float, str; None: any of them
    default: Any = inspect.Parameter.empty

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty


@dataclass(frozen=True, eq=False)
class ProblemFamily:
    """Problems that differ in structure: ``build(**structure)`` for each structure.

    Attributes:
      build: ``build(name=value, ...) -> Problem``; its named parameters (annotated ``int``,
        ``float``, ``str`` or ``bool``, or not annotated: any of these) are the structural
        names, e.g. ``def build(hidden: int, depth: int = 1)``. No ``*args``/``**kwargs``.
      name: what results call the family (default: ``build.__name__``).

    :meth:`problem` builds each distinct structure once per family (defaults filled in, so
    ``problem(hidden=8)`` and ``problem(hidden=8, depth=1)`` are one object): the same problem
    object lets later sweeps reuse its compiled programs.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> fam = js.ProblemFamily(lambda n: js.Problem.from_loss(lambda p: jnp.sum(p**2),
      ...                                                      jnp.ones(n)))
      >>> fam.problem(n=3).num_params, fam.parameters
      (3, ('n',))
    """

    build: Callable[..., Problem]
    name: str = ""
    _params: tuple[_Parameter, ...] = field(init=False, repr=False)
    _built: dict[Structure, Problem] = field(init=False, repr=False, default_factory=dict)
    _lock: Any = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if not callable(self.build):
            raise TypeError(f"build must be callable, got {type(self.build).__name__}")
        object.__setattr__(self, "_params", _parameters(self.build))
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string, got {type(self.name).__name__}")
        if not self.name:
            object.__setattr__(self, "name", getattr(self.build, "__name__", "family"))

    @property
    def parameters(self) -> tuple[str, ...]:
        """The structural names: ``build``'s parameters, in its order."""
        return tuple(p.name for p in self._params)

    def structure(self, values: Mapping[str, Any], where: str = "{}") -> Structure:
        """``values`` checked (each a value of its parameter's kind; ``where`` formats the name
        in errors) and completed with ``build``'s defaults; a missing one without a default
        or an unknown name is a ``ValueError``."""
        unknown = sorted(set(values) - set(self.parameters))
        if unknown:
            raise ValueError(
                f"{unknown} are not parameters of the family {self.name!r}; it takes "
                f"{list(self.parameters)}"
            )
        out = []
        for p in self._params:
            if p.name in values:
                out.append((p.name, _check_value(where.format(p.name), values[p.name], p.kind)))
            elif p.required:
                raise ValueError(
                    f"{where.format(p.name)} is missing: {p.name!r} is a parameter of the family "
                    f"{self.name!r} without a default"
                )
            else:
                out.append((p.name, p.default))
        return tuple(out)

    def problem(self, **structure: Any) -> Problem:
        """The problem of ``structure``, built on first use and kept."""
        key = self.structure(structure)
        with self._lock:
            if key in self._built:
                return self._built[key]
        prob = self.build(**dict(key))
        if not isinstance(prob, Problem):
            raise TypeError(
                f"the family {self.name!r}'s build({_describe(key)}) returned "
                f"{type(prob).__name__}, not a jaxscape Problem"
            )
        with self._lock:
            return self._built.setdefault(key, prob)

    def map(self, fn: Callable[[Problem], Problem]) -> ProblemFamily:
        """The family of ``fn(self.problem(...))``, each built once (a search hides the test
        split of every structure's problem this way)."""
        return ProblemFamily(_Mapped(self, fn), name=self.name)

    def __repr__(self) -> str:
        return (
            f"ProblemFamily({self.name!r}, parameters={list(self.parameters)}, "
            f"built={len(self._built)})"
        )


class _Mapped:
    """``fn(family.problem(**structure))`` with ``family.build``'s signature."""

    def __init__(self, family: ProblemFamily, fn: Callable[[Problem], Problem]):
        self.family, self.fn = family, fn
        self.__name__ = family.name
        self.__signature__ = inspect.Signature(
            [
                inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default,
                                  annotation=p.kind or inspect.Parameter.empty)
                for p in family._params
            ]
        )  # fmt: skip

    def __call__(self, **structure: Any) -> Problem:
        return self.fn(self.family.problem(**structure))


def _parameters(build: Callable[..., Any]) -> tuple[_Parameter, ...]:
    """``build``'s named parameters and the kinds their annotations name."""
    try:
        sig = inspect.signature(build, eval_str=True)
    except (NameError, SyntaxError, TypeError):
        try:
            sig = inspect.signature(build)
        except (TypeError, ValueError) as err:
            raise TypeError(f"build's parameters cannot be read: {err}") from err
    except ValueError as err:
        raise TypeError(f"build's parameters cannot be read: {err}") from err
    out = []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            raise TypeError(
                f"build must name its structural parameters (e.g. def build(hidden: int)); "
                f"its parameter {p.name!r} is {p.kind.description}"
            )
        ann = p.annotation
        kind = _BY_NAME.get(ann) if isinstance(ann, str) else ann if ann in _KINDS else None
        out.append(_Parameter(p.name, kind, p.default))
    if not out:
        raise TypeError("build must take at least one structural parameter (e.g. hidden: int)")
    return tuple(out)


def _check_value(label: str, value: Any, kind: type | None) -> Any:
    """``value`` as a plain Python value of ``kind`` (``None``: bool, int, float or str)."""
    if isinstance(value, np.generic):
        value = value.item()
    is_real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if kind is int and is_real and isinstance(value, float) and value.is_integer():
        value = int(value)
    if kind is int and is_real and not isinstance(value, numbers.Integral):
        raise ValueError(f"{label} must be an integer (a structural parameter), got {value!r}")
    if is_real and not math.isfinite(value):
        raise ValueError(f"{label} must be finite, got {value!r}")
    ok = {
        bool: isinstance(value, bool),
        int: is_real and isinstance(value, numbers.Integral),
        float: is_real,
        str: isinstance(value, str),
        None: isinstance(value, bool | str) or is_real,
    }[kind]
    if not ok:
        want = _KINDS[kind] if kind is not None else "a bool, an integer, a number or a string"
        raise TypeError(f"{label} must be {want} (a structural parameter), got {value!r}")
    return float(value) if kind is float else int(value) if is_real and kind is int else value


def _describe(key: Structure) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in key)
