"""What determines a sweep's numbers, described so that a checkpoint can refuse another sweep.

A checkpoint stores :func:`sweep_identity` (JSON) and resumes only a sweep whose identity is
equal. The identity holds what changes the numbers: hashes of the data arrays and of the
initial parameters, the problem's functions, the optimizer and its bound arguments, the
hyperparameter table (schedules by their parameters), seeds, steps, batch size and recording
settings. It leaves out chunking, grouping and the devices, on which results do not depend
(to float rounding; see the README).

Callables are described by value, never by ``repr`` (which may hold a memory address):

* a function: its module and qualified name, a digest of its source (or of its code object
  when there is no source), the values its closure cells hold and the numbers, strings and
  arrays it reads from its module's globals, each described recursively; so two lambdas, or
  two schedules of one family with other parameters, differ;
* ``functools.partial``: the function plus its bound arguments and keywords;
* arrays: dtype, shape and a SHA-256 digest of the bytes (values too when there are few);
* dataclasses and plain objects: their type and fields, to a bounded depth.

What is not seen: a global other than a number, string, array or same-module function, and
objects deeper than :data:`MAX_DEPTH` (they are named by type only).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import json
import numbers
import types
import weakref
from typing import Any

import jax
import numpy as np

from jaxscape.population.seed_weights import seed_weights

#: Nesting depth beyond which objects are named by their type only.
MAX_DEPTH = 8
#: Objects described at most in one description (a bound on time and size).
MAX_NODES = 5000
_SHORT = 8  # arrays of at most this many elements also show their values


def array_digest(*arrays: Any) -> str:
    """SHA-256 (first 24 hex digits) of the dtypes, shapes and bytes of ``arrays``."""
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"none;")
            continue
        if jax.dtypes.issubdtype(getattr(a, "dtype", np.float32), jax.dtypes.prng_key):
            a = jax.random.key_data(a)
        a = np.ascontiguousarray(np.asarray(a))
        h.update(f"{a.dtype.str}{a.shape};".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:24]


def _name(obj: Any) -> str:
    mod = getattr(obj, "__module__", None) or ""
    qual = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{mod}.{qual}" if mod else qual


def _code_digest(code: types.CodeType) -> str:
    """A digest of a code object that holds no address (nested code objects recursively)."""
    parts = [code.co_code.hex(), repr(code.co_names), repr(code.co_varnames)]
    for c in code.co_consts:
        parts.append(_code_digest(c) if isinstance(c, types.CodeType) else repr(c))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def _global_names(code: types.CodeType) -> list[str]:
    names = list(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names += _global_names(c)
    return list(dict.fromkeys(names))


class _Describer:
    def __init__(self) -> None:
        self.nodes = 0
        self.active: set[int] = set()
        self.arrays: dict[int, dict] = {}

    def __call__(self, obj: Any, depth: int = 0) -> Any:
        self.nodes += 1
        if obj is None or isinstance(obj, bool | int | str):
            return obj
        if isinstance(obj, float | np.floating):
            return float(obj) if np.isfinite(obj) else repr(float(obj))
        if isinstance(obj, numbers.Number | np.generic):
            return repr(obj.item() if isinstance(obj, np.generic) else obj)
        if isinstance(obj, np.ndarray | jax.Array):
            return self.array(obj)
        if id(obj) in self.active:
            return {"cycle": _name(type(obj))}
        if depth >= MAX_DEPTH or self.nodes > MAX_NODES:
            return {"object": _name(obj if callable(obj) else type(obj))}
        self.active.add(id(obj))
        try:
            return self.compound(obj, depth + 1)
        finally:
            self.active.discard(id(obj))

    def array(self, a: Any) -> dict:
        if id(a) not in self.arrays:
            if isinstance(a, jax.core.Tracer):
                return {"array": "traced", "shape": list(a.shape)}
            out = {"array": array_digest(a), "dtype": str(a.dtype), "shape": list(a.shape)}
            if a.size <= _SHORT and not jax.dtypes.issubdtype(a.dtype, jax.dtypes.prng_key):
                out["values"] = np.asarray(a).ravel().tolist()
            self.arrays[id(a)] = out
        return self.arrays[id(a)]

    def compound(self, obj: Any, depth: int) -> Any:
        d = functools.partial(self, depth=depth)
        if isinstance(obj, list | tuple):
            return [d(v) for v in obj]
        if isinstance(obj, dict) and all(isinstance(k, str) for k in obj):
            return {"dict": {k: d(obj[k]) for k in sorted(obj)}}
        if isinstance(obj, dict):
            items = [(d(k), d(v)) for k, v in obj.items()]
            return {"items": sorted(items, key=lambda kv: json.dumps(kv[0], sort_keys=True))}
        if isinstance(obj, set | frozenset):
            return {"set": sorted((d(v) for v in obj), key=lambda v: json.dumps(v))}
        if isinstance(obj, functools.partial):
            return {"partial": d(obj.func), "args": d(obj.args), "keywords": d(obj.keywords)}
        if isinstance(obj, types.MethodType):
            return {"method": d(obj.__func__), "self": d(obj.__self__)}
        if isinstance(obj, types.FunctionType):
            return self.function(obj, d)
        if isinstance(obj, types.ModuleType):
            return {"module": obj.__name__}
        if isinstance(obj, type):
            return {"class": _name(obj), "source": _source_digest(obj)}
        if dataclasses.is_dataclass(obj):
            fields = {f.name: d(getattr(obj, f.name, None)) for f in dataclasses.fields(obj)}
            return {"object": _name(type(obj)), "fields": fields}
        wrapped = getattr(obj, "__wrapped__", None)
        if wrapped is not None:  # jax.jit and functools.wraps wrappers
            return {"wraps": d(wrapped), "type": _name(type(obj))}
        if callable(obj) and not hasattr(obj, "__dict__"):  # builtins, ufuncs
            return {"callable": _name(obj)}
        fields = getattr(obj, "__dict__", None)
        out = {"object": _name(type(obj))}
        if fields:
            out["fields"] = {str(k): d(v) for k, v in fields.items()}
        return out

    def function(self, fn: types.FunctionType, d) -> dict:
        code = fn.__code__
        out: dict[str, Any] = {"function": _name(fn), "code": _code_digest(code)}
        src = _source_digest(fn)
        if src is not None:
            out["source"] = src
        if fn.__closure__:
            cells = {}
            for name, cell in zip(code.co_freevars, fn.__closure__, strict=True):
                try:
                    cells[name] = d(cell.cell_contents)
                except ValueError:  # an empty cell
                    cells[name] = "<empty>"
            out["cells"] = cells
        if fn.__defaults__:
            out["defaults"] = d(fn.__defaults__)
        if fn.__kwdefaults__:
            out["kwdefaults"] = d(fn.__kwdefaults__)
        glob = {}
        for name in _global_names(code):
            value = fn.__globals__.get(name)
            same_module = getattr(value, "__module__", None) == fn.__module__
            simple = isinstance(value, numbers.Number | str | np.ndarray | jax.Array)
            if simple or (isinstance(value, types.FunctionType) and same_module):
                glob[name] = d(value)
        if glob:
            out["globals"] = glob
        return out


@functools.lru_cache(maxsize=1024)
def _source_of(obj: Any) -> str | None:
    try:
        return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:24]
    except (OSError, TypeError):
        return None


def _source_digest(obj: Any) -> str | None:
    try:
        return _source_of(obj)
    except TypeError:  # unhashable
        return None


def describe(obj: Any) -> Any:
    """A JSON-native description of ``obj`` by value (see the module docstring).

    Example:
      >>> import functools
      >>> def f(x, scale):
      ...     return x * scale
      >>> a = describe(functools.partial(f, scale=2.0))
      >>> a == describe(functools.partial(f, scale=3.0)), a["keywords"]
      (False, {'dict': {'scale': 2.0}})
    """
    return json.loads(json.dumps(_Describer()(obj)))


def differences(old: Any, new: Any, path: str = "", limit: int = 3) -> list[str]:
    """Up to ``limit`` lines ``"where: old -> new"`` naming where two descriptions differ."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict) and old.keys() == new.keys():
        out: list[str] = []
        for k in list(dict.fromkeys([*old, *new])):
            sub = f"{path}.{k}" if path else str(k)
            out += differences(old[k], new[k], sub, limit)
            if len(out) >= limit:
                break
        return out[:limit]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out += differences(a, b, f"{path}[{i}]", limit)
            if len(out) >= limit:
                break
        return out[:limit]
    return [f"{path}: {_short(old)} -> {_short(new)}"]


def _short(value: Any, width: int = 70) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= width else text[: width - 3] + "..."


def fingerprint(identity: Any) -> str:
    """SHA-256 (first 32 hex digits) of a description."""
    text = json.dumps(identity, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _split_digest(data: Any, split: str) -> str | None:
    part = getattr(data, split, None)
    return None if part is None else array_digest(part.x, part.y)


# A problem is immutable: its description and initial-parameter digests are computed once
# (a procedure trains many populations of one problem, each with a checkpoint).
_PROBLEMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cached(prob: Any, key: Any, make) -> Any:
    try:
        memo = _PROBLEMS.setdefault(prob, {})
    except TypeError:  # not weak-referenceable
        return make()
    if key not in memo:
        memo[key] = make()
    return memo[key]


def _initial_digest(prob: Any, seed: int) -> dict:
    def make():
        params, state = seed_weights(prob, seed)  # the weights every population starts from
        return {
            "seed": seed,
            "params": array_digest(*jax.tree.leaves(params)),
            "state": array_digest(*jax.tree.leaves(state)),
            "tree": str(jax.tree.structure((params, state))),
        }

    return _cached(prob, ("init", seed), make)


def _problem_description(prob: Any) -> dict:
    def make():
        return {
            "name": prob.name,
            "loss": prob.loss_name,
            "metrics": list(prob.metric_names),
            "functions": describe((prob.init, prob.objective, prob.evaluate)),
        }

    return _cached(prob, "problem", make)


def sweep_identity(prob: Any, optimizer: Any, table: Any, settings: dict[str, Any]) -> dict:
    """The identity of a sweep: what its checkpoint must match to be resumed (JSON-native).

    Args:
      prob: the :class:`~jaxscape.Problem`.
      optimizer: the optimizer factory.
      table: the validated :class:`~jaxscape.population.table.Table`.
      settings: the run's other settings that change numbers (steps, batch size, recording).
    """
    data = prob.data
    ident: dict[str, Any] = {}
    for split in ("train", "val", "test"):
        ident[f"{split} data"] = None if data is None else _split_digest(data, split)
    seed = int(table.seeds[0]) % 2**32
    ident["initial parameters"] = _initial_digest(prob, seed)
    ident["problem"] = _problem_description(prob)
    ident["optimizer"] = describe(optimizer)
    ident["hyperparameters"] = {k: v.tolist() for k, v in table.numeric.items()}
    ident["shared options"] = {k: describe(v) for k, v in table.static.items()}
    ident["seeds"] = table.seeds.tolist()
    ident["x64"] = bool(jax.config.jax_enable_x64)
    ident.update(json.loads(json.dumps(settings)))
    return ident
