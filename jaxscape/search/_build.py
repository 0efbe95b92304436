"""From a configuration's structure to what :func:`jaxscape.sweep` takes: a factory and a table.

A choice named ``optimizer`` or ``solver`` picks a :mod:`jaxscape.optim` factory by branch
name; a choice named ``schedule`` or ``policy`` picks a learning-rate policy, attached with
:func:`jaxscape.optim.with_schedule`:

* ``fixed``, ``constant``: no schedule, :math:`\\eta_t = \\eta`;
* ``exponential`` (``gamma``): :func:`~jaxscape.schedules.exponential_decay`;
* ``inverse`` (``gamma``, ``power``): :func:`~jaxscape.schedules.inverse_time_decay`;
* ``step`` (``gamma``, ``step_size``): :func:`~jaxscape.schedules.step_decay`.

Every other active parameter becomes a table column (numbers, one value per trial) or a shared
structural option (strings, bools: part of the group's key). A parameter the factory does not
accept raises ``ValueError`` naming it, before anything compiles. With a
:class:`~jaxscape.ProblemFamily` as the problem, the parameters named like the family's
(``structural``: width, depth, ...) are part of the group's key whatever their values, and go to
the family's ``build``, never to the factory.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np

from jaxscape import optim, schedules
from jaxscape.optim import hyperparameter_names, with_schedule
from jaxscape.search import params as P
from jaxscape.search.space import Choice, Space, Structure

OPTIMIZER_CHOICES = ("optimizer", "solver")
SCHEDULE_CHOICES = ("schedule", "policy")

SCHEDULES: dict[str, Callable[..., Any] | None] = {
    "fixed": None,
    "constant": None,
    "exponential": schedules.exponential_decay,
    "inverse": schedules.inverse_time_decay,
    "step": schedules.step_decay,
}

#: ``(structure, shared non-numeric values)``: the configurations of one population.
GroupKey = tuple[Structure, tuple[tuple[str, Any], ...]]


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def structures(space: Space) -> list[Structure]:
    """Every structure of ``space``: the product of its choices' branches, in space order."""
    return _structures(list(space.spec.items()))


def _structures(items: list[tuple[str, Any]]) -> list[Structure]:
    if not items:
        return [()]
    (name, kind), rest = items[0], items[1:]
    if not isinstance(kind, Choice):
        return _structures(rest)
    out = []
    for branch, body in kind.branches.items():
        for tail in _structures(list(body.items()) + rest):
            out.append(((name, branch), *tail))
    return out


def group_key(
    space: Space, config: Mapping[str, Any], structural: Collection[str] = ()
) -> GroupKey:
    """The key of ``config``'s population: its structure, its non-numeric values and its
    ``structural`` values (a family's parameters, numbers included)."""
    structure = space.structure(config)
    taken = {name for name, _ in structure}
    shared = tuple(
        (k, v)
        for k, v in config.items()
        if k not in taken and (k in structural or not _is_number(v))
    )
    return structure, shared


def group_configs(
    space: Space, configs: Sequence[Mapping[str, Any]], structural: Collection[str] = ()
) -> dict[GroupKey, list[int]]:
    """Indices of ``configs`` by :func:`group_key`, in order of first appearance."""
    groups: dict[GroupKey, list[int]] = {}
    for i, c in enumerate(configs):
        groups.setdefault(group_key(space, c, structural), []).append(i)
    return groups


def group_share(space: Space, n: int, structural: Collection[str] = ()) -> int:
    """The trials a group of an ``n``-configuration batch is sized for (``sweep(pad_to=)``):
    the batch's share of one of the groups it can split into (structures times the values of
    the ``structural`` parameters, when they are countable), so that every batch's groups
    share one compiled program per structure."""
    count = len(structures(space))
    for name in structural:
        count *= max([_values(kind) for kind in _kinds_named(space.spec, name)], default=1)
    return -(-n // int(min(count, n)))


def _kinds_named(spec: Mapping[str, Any], name: str) -> list[Any]:
    """Every kind of parameter ``name`` in ``spec`` and its branches."""
    out = [spec[name]] if name in spec else []
    for kind in spec.values():
        if isinstance(kind, Choice):
            out += [k for body in kind.branches.values() for k in _kinds_named(body, name)]
    return out


def _values(kind: Any) -> float:
    """How many values ``kind`` takes (``inf`` for a continuous one)."""
    if isinstance(kind, P.Fixed):
        return 1
    if isinstance(kind, P.Categorical):
        return len(kind.values)
    if isinstance(kind, P.IntUniform):
        return kind.hi - kind.lo + 1
    return math.inf


def factory_for(structure: Structure, optimizer: Callable[..., Any] | None = None):
    """The optimizer factory of ``structure`` (default ``optimizer``, else SGD)."""
    taken = dict(structure)
    opt_names = [n for n in OPTIMIZER_CHOICES if n in taken]
    factory = optimizer if optimizer is not None else optim.sgd
    if opt_names:
        name = taken[opt_names[0]]
        factory = getattr(optim, name, None)
        if name.startswith("_") or not callable(factory) or name == "with_schedule":
            raise ValueError(
                f"{opt_names[0]} branch {name!r} is not a jaxscape.optim optimizer "
                f"(e.g. sgd, adam, rmsprop, adadelta)"
            )
    sched_names = [n for n in SCHEDULE_CHOICES if n in taken]
    if sched_names:
        branch = taken[sched_names[0]]
        if branch not in SCHEDULES:
            raise ValueError(
                f"{sched_names[0]} branch {branch!r} is not a known policy; use one of "
                f"{sorted(SCHEDULES)}"
            )
        if SCHEDULES[branch] is not None:
            factory = with_schedule(factory, SCHEDULES[branch])
    return factory


def build(
    space: Space,
    configs: Sequence[Mapping[str, Any]],
    optimizer: Callable[..., Any] | None = None,
    structural: Collection[str] = (),
) -> tuple[Callable[..., Any], dict[str, Any]]:
    """``(factory, table)`` for configurations that share one :func:`group_key`.

    Args:
      space: the space the configurations come from.
      configs: ``[n]`` configurations of one group.
      optimizer: the factory when the space has no ``optimizer``/``solver`` choice (SGD).
      structural: names that go to a :class:`~jaxscape.ProblemFamily`, not in the table.

    Returns:
      The factory and ``{name: [n] values or shared value}`` for :func:`jaxscape.sweep`.

    Raises:
      ValueError: configurations of different groups, or a parameter the factory does not
        accept (named in the message).

    Example:
      >>> from jaxscape.search import Space, choice, log_uniform
      >>> space = Space({"optimizer": choice({"adam": {"b1": 0.9}, "sgd": {}}),
      ...                "learning_rate": log_uniform(1e-3, 1.0)})
      >>> factory, table = build(space, [{"optimizer": "adam", "b1": 0.9,
      ...                                 "learning_rate": 0.01}])
      >>> factory.__name__, table
      ('adam', {'b1': array([0.9]), 'learning_rate': array([0.01])})
    """
    if not configs:
        raise ValueError("build needs at least one configuration")
    keys = {group_key(space, c, structural) for c in configs}
    if len(keys) != 1:
        raise ValueError(f"configurations of {len(keys)} different structures given to build")
    structure, shared = keys.pop()
    factory = factory_for(structure, optimizer)
    choices = {name for name, _ in structure} | set(structural)
    names = [k for k in configs[0] if k not in choices]
    accepted = set(hyperparameter_names(factory))
    label = getattr(factory, "__name__", repr(factory))
    for name in names:
        if name not in accepted:
            raise ValueError(
                f"parameter {name!r} is not a hyperparameter of {label}; it accepts "
                f"{sorted(accepted)}"
            )
    table: dict[str, Any] = {}
    for name in names:
        if _is_number(configs[0][name]):
            table[name] = np.asarray([float(c[name]) for c in configs], dtype=np.float64)
    table.update({k: v for k, v in shared if k not in structural})
    return factory, table


def check_space(
    space: Space, optimizer: Callable[..., Any] | None = None, structural: Collection[str] = ()
) -> None:
    """Raise ``ValueError`` naming any parameter some structure's factory does not accept
    (``structural`` names, a family's, excepted).

    Walks every structure of ``space`` (the product of its choices' branches) on the host.
    """
    for structure in structures(space):
        factory = factory_for(structure, optimizer)
        accepted = set(hyperparameter_names(factory))
        label = getattr(factory, "__name__", repr(factory))
        for name in space.active(structure):
            if name not in accepted and name not in structural:
                raise ValueError(
                    f"parameter {name!r} is not a hyperparameter of {label}; it accepts "
                    f"{sorted(accepted)}"
                )
