"""Save and load the frozen result dataclasses of :mod:`jaxscape.tune` as one folder.

A result is written as ``<name>.json`` (every field, nested dataclasses included) and
``arrays.npz`` (every NumPy array, referenced from the JSON by key), with
:func:`jaxscape._folder.write_folder` so a save replaces the previous one as a unit. Loading
rebuilds only the dataclasses registered here (:data:`TYPES`) and never unpickles: it executes
no code from the files. Non-finite floats and non-string dict keys round-trip exactly.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from jaxscape._folder import write_folder
from jaxscape._io import load_json, load_npz, save_json, save_npz

#: The dataclasses a saved result may contain, by name (filled by :func:`storable`).
TYPES: dict[str, type] = {}


def storable(cls: type) -> type:
    """Class decorator: register ``cls`` so :func:`load` may rebuild it."""
    TYPES[cls.__name__] = cls
    return cls


def _encode(value: Any, arrays: dict[str, np.ndarray], key: str) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if type(value).__name__ not in TYPES:
            raise TypeError(f"{type(value).__name__} is not a storable result type")
        fields = {
            f.name: _encode(getattr(value, f.name), arrays, f"{key}/{f.name}")
            for f in dataclasses.fields(value)
        }
        return {"__type__": type(value).__name__, **fields}
    if isinstance(value, Mapping):
        return {
            "__dict__": [
                [k, _encode(v, arrays, _sub(key, k, i))] for i, (k, v) in enumerate(value.items())
            ]
        }
    if isinstance(value, list | tuple):
        return [_encode(v, arrays, f"{key}/{i}") for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    arr = np.asarray(value)
    if arr.dtype == object:
        raise TypeError(f"cannot store {type(value).__name__} at {key!r} (not an array)")
    arrays[key] = arr
    return {"__array__": key}


def _sub(key: str, name: Any, index: int) -> str:
    """The array key of a dict entry: its name when that is a plain string, else its index."""
    ok = isinstance(name, str) and name and "/" not in name
    return f"{key}/{name}" if ok else f"{key}/#{index}"


def _decode(value: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        return arrays[value["__array__"]]
    if "__float__" in value:
        return float(value["__float__"])
    if "__dict__" in value:
        return {_key(k): _decode(v, arrays) for k, v in value["__dict__"]}
    name = value.get("__type__")
    if name not in TYPES:
        raise ValueError(f"unknown stored type {name!r}; known: {sorted(TYPES)}")
    fields = {k: _decode(v, arrays) for k, v in value.items() if k != "__type__"}
    return TYPES[name](**fields)


def _key(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def save(path: str | os.PathLike, name: str, result: Any) -> Path:
    """Write ``result`` into the folder ``path`` as ``<name>.json`` and ``arrays.npz``."""

    def write(folder: Path) -> None:
        arrays: dict[str, np.ndarray] = {}
        meta = _encode(result, arrays, "r")
        save_npz(folder / "arrays.npz", arrays)
        save_json(folder / f"{name}.json", meta)

    return write_folder(path, write, {f"{name}.json", "arrays.npz"})


def load(path: str | os.PathLike, name: str, cls: type) -> Any:
    """Read a result of type ``cls`` written by :func:`save`."""
    folder = Path(path)
    if not (folder / f"{name}.json").is_file():
        raise FileNotFoundError(f"{folder} has no {name}.json; not a saved {cls.__name__}")
    got = _decode(load_json(folder / f"{name}.json"), load_npz(folder / "arrays.npz"))
    if not isinstance(got, cls):
        raise ValueError(f"{folder} holds a {type(got).__name__}, not a {cls.__name__}")
    return got


class Stored:
    """Mixin giving a frozen result dataclass ``save(path)`` and ``load(path)``.

    ``class R(Stored, file="r")`` registers ``R`` and saves it as ``r.json`` + ``arrays.npz``.
    """

    _file: str = "result"

    def __init_subclass__(cls, file: str = "result", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._file = file
        storable(cls)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the result into the folder ``path`` (``<name>.json`` and ``arrays.npz``,
        replacing an earlier save as one unit); returns ``path``."""
        return save(path, self._file, self)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Any:
        """Read a result written by :meth:`save` (never unpickles)."""
        return load(path, cls._file, cls)
