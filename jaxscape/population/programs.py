"""The process-wide cache of compiled population programs.

A program is compiled at most once per process: every compiled function of the engine
(per-seed initialisation, trial initialisation, a seed's step-0 metrics, the step-0 record,
``k`` training steps, the window's record) is kept under a key made of

- the **complete static description** of what it computes: every field of
  :class:`~jaxscape.population.step.StepConfig`, read with :func:`dataclasses.fields` (so a field
  added later can never let a stale program be reused); the problem and the optimizer factory
  by identity (the cache holds them, so an ``id`` is never reused while it is a key);
- the program's kind and its static arguments (``k`` steps per call, ...);
- the abstract signature of its arguments: tree structure, shapes, dtypes and shardings.

Hyperparameter values, seeds, the step counter and the data's values are arguments, not part
of the key: a second sweep that differs only in those, or in its number of trials (chunks are
padded to a few sizes, see :func:`~jaxscape.population.plan.ladder`), compiles nothing. With
the persistent compilation cache (:func:`jaxscape.enable_compile_cache`) a program is compiled
once per machine as well.

>>> import jaxscape as js
>>> from jaxscape.population.programs import cache_info
>>> isinstance(cache_info()["programs"], int)
True
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import jax

__all__ = [
    "INIT_OPTIONS",
    "cache_info",
    "clear_cache",
    "compile_count",
    "compiled",
    "init_options",
    "static_key",
]

#: Compiled programs kept per process; the least recently used goes first.
MAX_PROGRAMS = 256

_PROGRAMS: OrderedDict[Hashable, tuple[Any, Any]] = OrderedDict()
_LOCK = threading.Lock()
_STATS = {"compiled": 0, "hits": 0, "compile_s": 0.0}


def _split_key(split: Any) -> Hashable:
    if split is None:
        return None
    return tuple(
        (getattr(a, "shape", None), str(getattr(a, "dtype", ""))) for a in (split.x, split.y)
    )


def _data_key(data: Any) -> Hashable:
    """A dataset by the shapes and dtypes of its splits: the engine passes the arrays as
    arguments, so their values are never part of a program."""
    if data is None:
        return None
    splits = ("train", "val", "test")
    return ("data", data.num_classes, tuple(_split_key(getattr(data, k, None)) for k in splits))


def problem_key(prob: Any) -> Hashable:
    """A :class:`~jaxscape.Problem` by its functions (identity) and its data's shapes: copies
    that differ only in which data they hold (a search hides the test split) share programs."""
    fields = tuple(
        (f.name, _data_key(prob.data) if f.name == "data" else _hashable(getattr(prob, f.name)))
        for f in dataclasses.fields(prob)
    )
    return ("problem", *fields)


#: Key parts that are their own hashable form (the common case, checked first).
_PLAIN = (str, int, float, bool, type(None), bytes)


def _hashable(value: Any) -> Hashable:
    """``value`` as a hashable key part: dicts as sorted item tuples, objects by identity when
    they cannot be hashed by value. Optimizer factories built afresh for every batch of a
    search compare by what they wrap: a ``functools.partial`` by its function and arguments,
    a :func:`jaxscape.optim.with_schedule` factory by its factory and schedule, a
    :func:`jaxscape.models.table_factory` wrapper by its optimizer and the loss's columns."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, functools.partial):
        return ("partial", _hashable(value.func), _hashable(value.args), _hashable(value.keywords))
    if callable(value) and hasattr(value, "factory") and hasattr(value, "schedule"):
        return ("with_schedule", _hashable(value.factory), _hashable(value.schedule))
    if callable(value) and hasattr(value, "loss_hyperparams") and hasattr(value, "optimizer"):
        return ("table_factory", _hashable(value.optimizer), value.loss_hyperparams)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if dataclasses.is_dataclass(value) and hasattr(value, "objective") and hasattr(value, "data"):
        return problem_key(value)
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return value


def static_key(cfg: Any) -> tuple:
    """Every field of the dataclass ``cfg`` as a hashable tuple (see the module docstring)."""
    return tuple((f.name, _hashable(getattr(cfg, f.name))) for f in dataclasses.fields(cfg))


def _signature(args: tuple) -> tuple:
    leaves, tree = jax.tree.flatten(args)
    avals = tuple(
        (getattr(a, "shape", ()), str(getattr(a, "dtype", type(a))), getattr(a, "sharding", None))
        for a in leaves
    )
    return tree, avals


def compiled(
    kind: str,
    static: tuple,
    keep: Any,
    build: Callable[[], Callable[..., Any]],
    args: tuple,
    *,
    donate: tuple[int, ...] = (),
    options: dict[str, Any] | None = None,
) -> tuple[Any, float]:
    """The compiled program ``jax.jit(build())`` for ``args`` and the seconds this call spent
    compiling it (``0.0`` when it was cached).

    Args:
      kind: which program (``"steps"``, ``"record"``, ...).
      static: the hashable static description (e.g. :func:`static_key` of the step config and
        the program's static arguments).
      keep: objects whose identity the key uses (problem, optimizer); held with the program.
      build: returns the function to jit.
      args: example arguments (arrays or ``jax.ShapeDtypeStruct``).
      donate: argument positions whose buffers the program may reuse.
      options: XLA compiler options of this program (part of the key), e.g.
        :data:`INIT_OPTIONS`.
    """
    opts = tuple(sorted((options or {}).items()))
    key = (kind, static, _signature(args), opts)
    with _LOCK:
        hit = _PROGRAMS.get(key)
        if hit is not None:
            _PROGRAMS.move_to_end(key)
            _STATS["hits"] += 1
            return hit[1], 0.0
    tic = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*donated.*")
        lowered = jax.jit(build(), donate_argnums=donate).lower(*args)
        exe = lowered.compile(compiler_options=dict(opts)) if opts else lowered.compile()
    spent = time.perf_counter() - tic
    with _LOCK:
        _PROGRAMS[key] = (keep, exe)
        _STATS["compiled"] += 1
        _STATS["compile_s"] += spent
        while len(_PROGRAMS) > MAX_PROGRAMS:
            _PROGRAMS.popitem(last=False)
    return exe, spent


#: Compiler options of the initialisation programs on a CPU: LLVM's first optimisation level.
#: Initialisers are threefry loops and an inverse error function (truncated normals) that run
#: once; at this level XLA:CPU compiles them about 3x faster with the same bits as at the
#: default level (``tests/population/test_init_compile.py`` checks every built-in model). Level
#: 0 changes the bits (no fused multiply-adds).
INIT_OPTIONS = {"xla_backend_optimization_level": 1}


def init_options(platform: str) -> dict[str, Any] | None:
    """:data:`INIT_OPTIONS` on a CPU, ``None`` (XLA's defaults) elsewhere."""
    return INIT_OPTIONS if platform == "cpu" else None


_BACKEND_COMPILES = [0]
_LISTENING = [False]


def _on_event(name: str, *_: Any, **__: Any) -> None:
    if name == "/jax/core/compile/backend_compile_duration":
        _BACKEND_COMPILES[0] += 1


def compile_count() -> int:
    """XLA backend compilations in this process since the first call (every program, the
    engine's and any other, counted through ``jax.monitoring``'s compile events): the
    difference of two calls is what ran in between compiled.

    >>> from jaxscape.population.programs import compile_count
    >>> import jax, jax.numpy as jnp
    >>> x = jnp.ones(5)
    >>> before = compile_count()
    >>> _ = jax.jit(lambda x: x * 3.0 + 1.0)(x)
    >>> compile_count() - before
    1
    """
    if not _LISTENING[0]:
        jax.monitoring.register_event_duration_secs_listener(_on_event)
        _LISTENING[0] = True
    return _BACKEND_COMPILES[0]


_MEMO: OrderedDict[Hashable, Any] = OrderedDict()


def memo(kind: str, key: Any, compute: Callable[[], Any], *, prepared: bool = False) -> Any:
    """``compute()`` once per ``(kind, key)`` in this process (bounded, least recently used
    first out): host-side work that traces a program (abstract shapes, checks) but depends only
    on a static description. ``key`` is made hashable like :func:`static_key`'s fields (unless
    ``prepared``: it is built from such keys already, e.g. ``StepConfig.key``); an unhashable one
    computes every time."""
    try:
        full = (kind, key if prepared else _hashable(key))
        hash(full)
    except TypeError:
        return compute()
    with _LOCK:
        if full in _MEMO:
            _MEMO.move_to_end(full)
            return _MEMO[full][1]
    value = compute()
    with _LOCK:
        _MEMO[full] = (key, value)  # the key's objects are held while it is cached
        while len(_MEMO) > MAX_PROGRAMS:
            _MEMO.popitem(last=False)
    return value


def cache_info() -> dict[str, Any]:
    """``{"programs": kept, "compiled": compiled so far, "hits": reuses, "compile_s": ...}``."""
    with _LOCK:
        return {"programs": len(_PROGRAMS), **_STATS}


def clear_cache() -> None:
    """Forget every compiled program (the next sweep compiles afresh)."""
    with _LOCK:
        _PROGRAMS.clear()
        _MEMO.clear()
