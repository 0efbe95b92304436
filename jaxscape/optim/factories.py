"""Optimizer factories as sweepable functions: their hyperparameter names, and a learning-rate
schedule's parameters turned into optimizer keywords (:func:`with_schedule`)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import optax

from jaxscape._checks import check_callable

_KEYWORD_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def _signature(fn: Callable[..., Any], name: str) -> inspect.Signature:
    check_callable(name, fn)
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError) as err:
        raise TypeError(f"cannot read the signature of {name} {fn!r}") from err


def hyperparameter_names(factory: Callable[..., Any]) -> tuple[str, ...]:
    """The keyword names ``factory`` accepts, in signature order.

    Works for :mod:`jaxscape.optim` optimizers, plain optax aliases (e.g. ``optax.adam``),
    ``functools.partial`` objects and :func:`with_schedule` wrappers (which carry the merged
    signature of their optimizer and schedule).

    Args:
      factory: a callable ``(**hyperparameters) -> optax.GradientTransformation`` (or any
        function, e.g. a schedule).

    Returns:
      The names of its positional-or-keyword and keyword-only parameters.

    Raises:
      TypeError: ``factory`` is not callable, has no readable signature, or takes ``**kwargs``
        (then its names cannot be listed).

    Example:
      >>> import jaxscape as js
      >>> js.optim.hyperparameter_names(js.optim.sgd)
      ('learning_rate', 'momentum', 'nesterov', 'dampening', 'weight_decay')
    """
    sig = _signature(factory, "factory")
    params = sig.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        raise TypeError(
            f"{getattr(factory, '__name__', factory)!s} takes **kwargs, so its hyperparameter "
            "names cannot be listed"
        )
    return tuple(p.name for p in params if p.kind in _KEYWORD_KINDS)


def with_schedule(
    factory: Callable[..., optax.GradientTransformation], schedule: Callable[..., Callable]
) -> Callable[..., optax.GradientTransformation]:
    """An optimizer factory whose learning rate is ``schedule(...)`` built from its keywords.

    The returned factory takes keyword arguments only. Those named in ``schedule``'s signature
    build the schedule (its first parameter is the base learning rate, normally called
    ``learning_rate``); the rest go to ``factory``, with the schedule as its
    ``learning_rate``. A sweep table can then carry schedule parameters as columns, each
    traced per trial.

    Args:
      factory: an optimizer factory with a ``learning_rate`` parameter (e.g.
        :func:`jaxscape.optim.sgd`).
      schedule: a schedule factory, e.g. :func:`jaxscape.schedules.policy`.

    Returns:
      ``wrapped(**kwargs) -> optax.GradientTransformation``, with the merged signature (so
      :func:`hyperparameter_names` and ``inspect.signature`` list every accepted keyword) and
      attributes ``factory`` and ``schedule``.

    Raises:
      TypeError: ``factory`` has no ``learning_rate`` parameter, or both functions accept a
        keyword other than ``learning_rate`` (it would be ambiguous); and, when the wrapper is
        called, for a keyword neither function accepts.

    Example:
      >>> import jaxscape as js
      >>> make = js.optim.with_schedule(js.optim.sgd, js.schedules.policy)
      >>> opt = make(learning_rate=0.1, decay=0.9, steps_per_epoch=10, momentum=0.9)
      >>> "steps_per_epoch" in js.optim.hyperparameter_names(make)
      True
    """
    f_sig = _signature(factory, "factory")
    s_sig = _signature(schedule, "schedule")
    f_names = hyperparameter_names(factory)
    s_names = hyperparameter_names(schedule)
    f_label = getattr(factory, "__name__", type(factory).__name__)
    s_label = getattr(schedule, "__name__", type(schedule).__name__)
    if "learning_rate" not in f_names:
        raise TypeError(f"factory {f_label} has no learning_rate parameter to schedule")
    shared = sorted((set(f_names) & set(s_names)) - {"learning_rate"})
    if shared:
        raise TypeError(
            f"factory {f_label} and schedule {s_label} both accept {shared}; rename one of "
            "them (e.g. wrap the schedule in a function with other parameter names)"
        )
    s_keys = frozenset(s_names)
    merged = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for p in s_sig.parameters.values()
        if p.name in s_keys
    ] + [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for p in f_sig.parameters.values()
        if p.kind in _KEYWORD_KINDS and p.name != "learning_rate"
    ]
    accepted = frozenset(p.name for p in merged)

    def wrapped(**kwargs: Any) -> optax.GradientTransformation:
        unknown = sorted(set(kwargs) - accepted)
        if unknown:
            raise TypeError(
                f"{wrapped.__name__} got unknown keyword(s) {unknown}; it accepts "
                f"{sorted(accepted)}"
            )
        sched_kw = {k: v for k, v in kwargs.items() if k in s_keys}
        opt_kw = {k: v for k, v in kwargs.items() if k not in s_keys}
        return factory(learning_rate=schedule(**sched_kw), **opt_kw)

    wrapped.__signature__ = inspect.Signature(merged)  # type: ignore[attr-defined]
    wrapped.__name__ = f"{f_label}_{s_label}"
    wrapped.__qualname__ = (
        f"with_schedule({getattr(factory, '__qualname__', f_label)}, "
        f"{getattr(schedule, '__qualname__', s_label)})"
    )
    wrapped.__doc__ = f"{f_label} with its learning rate given by the schedule {s_label}."
    wrapped.factory = factory  # type: ignore[attr-defined]
    wrapped.schedule = schedule  # type: ignore[attr-defined]
    return wrapped
