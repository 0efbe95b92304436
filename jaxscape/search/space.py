"""Search spaces: named parameters, conditional branches, batched sampling, grouping by structure.

A configuration is a flat ``dict``: every plain parameter, and for each :func:`choice` the
name of the branch taken plus exactly the parameters of that branch (never those of the
branches not taken). Configurations with the same branches share a *structure* (the optimizer
family, the schedule family): structure is compiled, numbers are data, so each structure group
runs as one population.

>>> from jaxscape.search import Space, choice, log_uniform, reverse_log_uniform
>>> space = Space({
...     "optimizer": choice({
...         "sgd": {"learning_rate": log_uniform(1e-3, 1.0),
...                 "momentum": reverse_log_uniform(0.5, 0.99)},
...         "adam": {"learning_rate": log_uniform(1e-5, 1e-2)},
...     }),
... })
>>> configs = space.sample(6, seed=0)
>>> all(("momentum" in c) == (c["optimizer"] == "sgd") for c in configs)
True
>>> sum(len(v) for v in space.group(configs).values())
6
"""

from __future__ import annotations

import json
import math
import numbers
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jaxscape._checks import check_positive_int
from jaxscape.search import params as P

Structure = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Choice:
    """A conditional parameter: the name of a branch, each branch with its own parameters."""

    branches: dict[str, dict[str, Any]]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return P.Categorical(tuple(self.branches)).sample(rng, n)


def choice(branches: Mapping[str, Mapping[str, Any] | None]) -> Choice:
    """A conditional parameter whose value is one of ``branches``' names, equally likely.

    Args:
      branches: ``{branch name: {parameter: kind or value}}``; a branch may have no
        parameters (``{}`` or ``None``) and may nest further choices.

    >>> c = choice({"fixed": {}, "exponential": {"gamma": P.log_uniform(0.9, 0.999)}})
    >>> list(c.branches)
    ['fixed', 'exponential']
    """
    if not isinstance(branches, Mapping):
        raise TypeError(
            "choice needs a dict {branch name: {parameter: kind}} of at least two branches, "
            f"got {type(branches).__name__} {branches!r}; for plain values use categorical"
        )
    if len(branches) < 2:
        raise ValueError(f"choice needs a dict of at least two branches, got {branches!r}")
    out = {}
    for name, body in branches.items():
        if not isinstance(name, str):
            raise TypeError(f"choice branch names must be strings, got {name!r}")
        out[name] = _normalise(body or {}, f"branch {name!r}")
    return Choice(out)


def _normalise(spec: Mapping[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(spec, Mapping):
        raise TypeError(f"{where} must be a dict of parameters, got {type(spec).__name__}")
    out = {}
    for name, kind in spec.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"{where}: parameter names must be non-empty strings, got {name!r}")
        if isinstance(kind, (*_KINDS, Choice)):
            out[name] = kind
        elif isinstance(kind, numbers.Real | str):
            out[name] = P.fixed(kind)
        else:
            raise TypeError(
                f"{where}: parameter {name!r} must be a search kind (uniform, log_uniform, ...), "
                f"a choice or a fixed number/string, got {kind!r}"
            )
    return out


_KINDS = (P.Uniform, P.IntUniform, P.Categorical, P.Fixed)


def _subtree(kind: Any) -> set[str]:
    if not isinstance(kind, Choice):
        return set()
    inner = (k_ | _subtree(v) for body in kind.branches.values() for k_, v in _named(body))
    return set().union(*inner)


def _named(body: Mapping[str, Any]):
    return (({k}, v) for k, v in body.items())


def _walk(spec: Mapping[str, Any], above: frozenset[str], where: str) -> None:
    """Reject a name that two parameters could both set in one configuration."""
    owner: dict[str, str] = {}
    for name, kind in spec.items():
        if name in above:
            raise ValueError(f"parameter {name!r} of {where} is already set above it")
        for x in {name} | _subtree(kind):
            if x in owner:
                raise ValueError(
                    f"parameter {x!r} of {where} is set both by {owner[x]!r} and by {name!r}"
                )
            owner[x] = name
    names = above | set(spec)
    for name, kind in spec.items():
        if isinstance(kind, Choice):
            for branch, body in kind.branches.items():
                _walk(body, names, f"branch {branch!r} of {name!r}")


class Space:
    """A search space over named parameters (see the module docstring).

    Args:
      spec: ``{name: kind}`` with kinds from :mod:`jaxscape.search.params`
        (``uniform``, ``log_uniform``, ``reverse_log_uniform``, ``int_uniform``,
        ``categorical``, ``fixed``), :func:`choice` for conditional branches, or a plain number
        or string (fixed).
    """

    def __init__(self, spec: Mapping[str, Any]):
        self.spec = _normalise(spec, "space")
        if not self.spec:
            raise ValueError("a search space needs at least one parameter")
        _walk(self.spec, frozenset(), "the space")

    def __repr__(self) -> str:
        return f"Space({self.spec!r})"

    def searched(self) -> bool:
        """Whether any parameter varies (a choice or a non-fixed kind)."""
        return any(not isinstance(kind, P.Fixed) for kind in self.spec.values())

    # ------------------------------------------------------------------ sampling
    def sample(self, n: int, seed: int = 0) -> list[dict[str, Any]]:
        """``n`` configurations drawn independently, as one batch.

        Every parameter's ``n`` values are drawn at once (a branch's parameters are drawn for
        all ``n`` and kept where the branch was taken), so the draw for parameter ``p`` does
        not depend on how many configurations took another branch.
        """
        n = check_positive_int("n", n)
        seed = check_positive_int("seed", seed, allow_zero=True)
        rng = np.random.default_rng(seed)
        configs: list[dict[str, Any]] = [{} for _ in range(n)]
        _fill(self.spec, rng, np.arange(n), configs)
        return configs

    # ------------------------------------------------------------------ structure
    def structure(self, config: Mapping[str, Any]) -> Structure:
        """The branches ``config`` took: ``((choice name, branch), ...)`` in space order."""
        out: list[tuple[str, str]] = []
        _structure(self.spec, config, out)
        return tuple(out)

    def group(self, configs: Sequence[Mapping[str, Any]]) -> dict[Structure, list[int]]:
        """Indices of ``configs`` grouped by :meth:`structure`, in order of first appearance."""
        groups: dict[Structure, list[int]] = {}
        for i, c in enumerate(configs):
            groups.setdefault(self.structure(c), []).append(i)
        return groups

    def active(self, structure: Structure) -> dict[str, Any]:
        """``{name: kind}`` of the parameters active under ``structure`` (choices excluded)."""
        taken = dict(structure)
        out: dict[str, Any] = {}
        _active(self.spec, taken, out)
        return out

    # ------------------------------------------------------------------ files
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Space:
        """A space from plain data (JSON/TOML): a kind is ``{"log_uniform": [lo, hi]}``,
        ``{"uniform": [lo, hi]}``, ``{"reverse_log_uniform": [lo, hi]}``,
        ``{"int_uniform": [lo, hi]}``, ``{"categorical": [...]}``, a plain value (fixed), or
        ``{"choice": {branch: {...}, ...}}``.

        >>> Space.from_dict({"learning_rate": {"log_uniform": [1e-4, 1]}, "momentum": 0.9})
        Space({'learning_rate': LogUniform(lo=0.0001, hi=1.0), 'momentum': Fixed(value=0.9)})
        """
        return cls(_from_data(data, "space"))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Space:
        """A space from a ``.toml`` or ``.json`` file (see :meth:`from_dict` for the format)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"search space file {os.fspath(path)!r} does not exist")
        try:
            if path.suffix == ".toml":
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            elif path.suffix == ".json":
                data = json.loads(path.read_text(encoding="utf-8"))
            else:
                raise ValueError(f"search space file {path} must end in .toml or .json")
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"search space file {os.fspath(path)!r} is not valid: {err}") from err
        return cls.from_dict(data)


def _fill(spec: Mapping[str, Any], rng, rows: np.ndarray, configs: list[dict]) -> None:
    n = len(configs)
    for name, kind in spec.items():
        values = kind.sample(rng, n)
        for i in rows:
            configs[i][name] = _plain(values[i])
        if isinstance(kind, Choice):
            for branch, body in kind.branches.items():
                taken = rows[np.asarray([values[i] == branch for i in rows], bool)]
                _fill(body, rng, taken, configs)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _structure(spec, config, out) -> None:
    for name, kind in spec.items():
        if isinstance(kind, Choice):
            if name not in config or config[name] not in kind.branches:
                raise ValueError(f"configuration has no valid branch for {name!r}: {config!r}")
            branch = config[name]
            out.append((name, branch))
            _structure(kind.branches[branch], config, out)


def _active(spec, taken, out) -> None:
    for name, kind in spec.items():
        if isinstance(kind, Choice):
            _active(kind.branches[taken[name]], taken, out)
        else:
            out[name] = kind


_FILE_KINDS = {
    "uniform": P.uniform,
    "log_uniform": P.log_uniform,
    "reverse_log_uniform": P.reverse_log_uniform,
    "int_uniform": P.int_uniform,
}


def _from_data(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise TypeError(f"{where} must be a table of parameters, got {type(data).__name__}")
    out: dict[str, Any] = {}
    for name, value in data.items():
        here = f"{where}.{name}" if where != "space" else name
        if isinstance(value, Mapping):
            if len(value) != 1:
                raise ValueError(f"{here}: give exactly one kind, got keys {sorted(value)}")
            kind, arg = next(iter(value.items()))
            if kind == "choice":
                if not isinstance(arg, Mapping):
                    raise TypeError(
                        f"{here}: choice needs a table of branches, each with its own "
                        f"parameters (e.g. {{sgd = {{}}, adam = {{}}}}), got {arg!r}; for "
                        "plain values use categorical"
                    )
                branches = {b: _from_data(body or {}, f"{here}.{b}") for b, body in arg.items()}
                out[name] = choice(branches)
            elif kind == "categorical":
                out[name] = P.categorical(arg)
            elif kind in _FILE_KINDS:
                if not isinstance(arg, list | tuple) or len(arg) != 2:
                    raise ValueError(f"{here}: {kind} needs [lo, hi], got {arg!r}")
                try:
                    out[name] = _FILE_KINDS[kind](*arg)
                except (TypeError, ValueError) as err:
                    raise type(err)(f"{here}: {err}") from err
            else:
                known = sorted([*_FILE_KINDS, "categorical", "choice"])
                raise ValueError(f"{here}: unknown kind {kind!r}; use one of {known}")
        elif isinstance(value, numbers.Real | str) and not (
            isinstance(value, float) and not math.isfinite(value)
        ):
            out[name] = P.fixed(value)
        else:
            raise TypeError(f"{here}: expected a kind table or a fixed value, got {value!r}")
    return out
