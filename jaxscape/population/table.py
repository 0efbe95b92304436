"""Hyperparameter tables: one row per trial, validated on the host before anything compiles."""

from __future__ import annotations

import inspect
import itertools
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from jaxscape._checks import check_seed_values
from jaxscape.population._batch_mask import BATCH_SIZE, check_batch_column

SEED = "seed"


@dataclass(frozen=True)
class Table:
    """A validated hyperparameter table for ``n`` trials.

    Attributes:
      numeric: ``{name: [n] float32}``, one value per trial; these become traced arrays inside
        the compiled step, so a new value never causes a new trace.
      static: ``{name: value}`` shared non-numeric arguments (bools such as ``nesterov``,
        strings, callables such as a schedule); part of the compiled program.
      seeds: ``[n]`` int64 seeds (initial weights, batch order, dropout).
      batch_sizes: ``[n]`` int64 mini-batch sizes of a ``batch_size`` column, or ``None``; never
        passed to the optimizer (see ``_batch_mask.py``).
    """

    numeric: dict[str, np.ndarray]
    static: dict[str, Any]
    seeds: np.ndarray
    batch_sizes: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.seeds.shape[0])

    def columns(self) -> dict[str, np.ndarray]:
        """``{name: [n]}`` every per-trial column as a result reports it: the numeric ones as
        float64, ``"seed"``, and ``"batch_size"`` when there is such a column."""
        out = {**{k: v.astype(np.float64) for k, v in self.numeric.items()}, "seed": self.seeds}
        if self.batch_sizes is not None:
            out["batch_size"] = self.batch_sizes.copy()
        return out

    def row(self, i: int) -> dict[str, Any]:
        """The keyword arguments of trial ``i`` as Python values."""
        return {**{k: float(v[i]) for k, v in self.numeric.items()}, **self.static}


def grid(**axes: Any) -> dict[str, np.ndarray]:
    """The Cartesian product of the given axes as a table of equal-length columns.

    Scalars are single-value axes. The first axis varies slowest.

    Example:
      >>> t = grid(learning_rate=[0.1, 0.01], momentum=[0.0, 0.9])
      >>> t["learning_rate"].tolist(), t["momentum"].tolist()
      ([0.1, 0.1, 0.01, 0.01], [0.0, 0.9, 0.0, 0.9])
    """
    if not axes:
        raise ValueError("grid() needs at least one axis")
    names = list(axes)
    values = []
    for name in names:
        v = axes[name]
        arr = np.atleast_1d(np.asarray(v))
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"grid axis {name!r} must be a scalar or a non-empty 1-D sequence")
        values.append(list(arr))
    rows = list(itertools.product(*values))
    return {name: np.asarray([r[i] for r in rows]) for i, name in enumerate(names)}


def accepted_names(factory: Callable[..., Any]) -> tuple[set[str] | None, set[str]]:
    """Keyword names ``factory`` accepts (``None`` if it takes ``**kwargs``) and required ones."""
    from jaxscape.optim import hyperparameter_names  # optimizers know their wrappers

    try:
        names = set(hyperparameter_names(factory))
    except (TypeError, ValueError):
        names = None
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):
        return names, set()
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()) and names is None:
        return None, set()
    required = {
        p.name
        for p in sig.parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    if names is None:
        names = {
            p.name
            for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        }
    return names, required


def _is_numeric_scalar(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def make_table(table: Mapping[str, Any], optimizer: Callable[..., Any], default_seed: int) -> Table:
    """Validate ``table`` against ``optimizer`` and normalise it (see :class:`Table`).

    Errors (all raised before compiling): not a mapping, empty, a column of the wrong length,
    an empty column, NaN/inf, an unknown hyperparameter, a missing required one, non-integer
    seeds; then every row is passed once to ``optimizer`` on the host so that its own checks
    (e.g. a negative learning rate) fire with the trial index in the message.
    """
    if not isinstance(table, Mapping):
        raise TypeError(
            f"table must be a dict of hyperparameter columns, got {type(table).__name__}"
        )
    if not callable(optimizer):
        raise TypeError(f"optimizer must be a callable factory, got {type(optimizer).__name__}")
    columns: dict[str, Any] = {}
    static: dict[str, Any] = {}
    for name, value in table.items():
        if _is_static(name, value):
            static[name] = value
        else:
            columns[name] = _column(name, value)
    n = _population_size(columns, static)
    seeds = _seeds(columns.pop(SEED, None), default_seed, n)
    sizes = columns.pop(BATCH_SIZE, None)
    sizes = None if sizes is None else check_batch_column(sizes, n)
    numeric = {name: _finite_column(name, value, n) for name, value in columns.items()}
    _check_names(optimizer, set(numeric) | set(static))
    result = Table(numeric=numeric, static=static, seeds=seeds, batch_sizes=sizes)
    _check_rows(result, optimizer)
    return result


def _is_static(name: Any, value: Any) -> bool:
    """Whether column ``name`` is a shared structural option (bool, string, callable, None)."""
    if not isinstance(name, str):
        raise TypeError(f"table keys must be strings, got {name!r}")
    if isinstance(value, bool | str) or value is None or callable(value):
        if name == SEED:
            raise TypeError("table['seed'] must be integers")
        return True
    return False


def _column(name: str, value: Any) -> Any:
    """A numeric scalar, or a non-empty 1-D numeric array, from ``table[name]``."""
    if _is_numeric_scalar(value):
        return value
    arr = np.asarray(value)
    if arr.dtype == bool:
        raise TypeError(
            f"table[{name!r}]: a column of bools cannot vary per trial; structural options "
            "such as nesterov must be shared scalars (run one sweep per value)"
        )
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"table[{name!r}] must be numbers, got dtype {arr.dtype}")
    if arr.ndim == 0:
        return arr.item()
    if arr.ndim != 1:
        raise ValueError(f"table[{name!r}] must be a scalar or 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"table[{name!r}] is empty")
    return arr


def _population_size(columns: dict[str, Any], static: dict[str, Any]) -> int:
    """``N``: the common length of the 1-D columns (1 when every column is a scalar)."""
    if not columns and not static:
        raise ValueError("table is empty: give at least one hyperparameter (e.g. learning_rate)")
    lengths = {k: v.size for k, v in columns.items() if isinstance(v, np.ndarray)}
    distinct = set(lengths.values())
    if len(distinct) > 1:
        desc = ", ".join(f"{k}: {v}" for k, v in lengths.items())
        raise ValueError(f"table columns have different lengths ({desc}); use js.grid for products")
    return distinct.pop() if distinct else 1


def _finite_column(name: str, value: Any, n: int) -> np.ndarray:
    """``[n]`` float32 values of a numeric column; NaN/inf is refused naming the trial."""
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))
    bad = ~np.isfinite(arr)
    if np.any(bad):
        i = int(np.argmax(bad))
        raise ValueError(f"table[{name!r}] must be finite; trial {i} has {arr[i]}")
    return arr.astype(np.float32)


def _check_names(optimizer: Callable[..., Any], given: set[str]) -> None:
    """Every hyperparameter is one ``optimizer`` accepts, and every required one is given."""
    accepted, required = accepted_names(optimizer)
    if accepted is not None:
        unknown = sorted(given - accepted)
        if unknown:
            label = getattr(optimizer, "__name__", optimizer)
            raise ValueError(
                f"unknown hyperparameter(s) {unknown} for {label}; it accepts {sorted(accepted)}"
            )
    missing = sorted(required - given)
    if missing:
        raise ValueError(f"table is missing required hyperparameter(s) {missing}")


def _seeds(column: Any, default_seed: int, n: int) -> np.ndarray:
    """``[n]`` int64 seeds from the ``seed`` column (or ``default_seed``), each in the PRNG's
    range ``[0, 2**32)``: a larger seed would share the initial weights of ``seed % 2**32``."""
    if column is None:
        return np.full(n, check_seed_values("seed", default_seed), np.int64)
    seeds = np.broadcast_to(np.asarray(column), (n,))
    if not np.issubdtype(seeds.dtype, np.integer):
        if not np.all(np.isfinite(seeds)) or np.any(seeds != np.round(seeds)):
            raise TypeError("table['seed'] must be integers")
        seeds = np.asarray([int(s) for s in seeds], dtype=object)  # exact, however large
    return check_seed_values("table['seed']", seeds).copy()


def _check_rows(table: Table, optimizer: Callable[..., Any]) -> None:
    """Build the optimizer once per distinct row on the host so its own checks can fire."""
    seen: set[tuple] = set()
    for i in range(table.n):
        row = table.row(i)
        key = tuple(sorted((k, v) for k, v in row.items() if k in table.numeric))
        if key in seen:
            continue
        seen.add(key)
        try:
            optimizer(**row)
        except (ValueError, TypeError) as err:
            raise type(err)(f"trial {i}: {err}") from err
