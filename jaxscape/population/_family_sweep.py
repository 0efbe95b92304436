"""A family's sweep: the table split by structure, one population each, merged in table order.

The table's columns named like the family's parameters are structural (a scalar shared by every
trial, or one value per trial); the other columns go to each group's population, which runs
through :func:`jaxscape.sweep` as any sweep does (groups in order of first appearance). The
merged result holds ``metrics`` ``[N, T]``, ``diverged`` ``[N]``, ... in the table's trial
order, and the structural columns among its ``hyperparams``. What cannot be merged across
structures (parameters of different shapes, one checkpoint file, one pruner's view of one
population) is refused, naming the option, before anything is built or compiled.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from jaxscape.models.columns import table_factory
from jaxscape.population._batch_mask import BATCH_SIZE
from jaxscape.population.family import ProblemFamily, Structure
from jaxscape.population.result import SweepResult
from jaxscape.population.sweep import sweep
from jaxscape.population.table import SEED, accepted_names, make_table
from jaxscape.population.training import Training

#: Options that hold one population's parameters, file or judge: one structure only.
SINGLE_STRUCTURE = {
    "start": "it continues one population's parameters",
    "keep_params": "the structures' parameters have different shapes",
    "keep_state": "the structures' parameters have different shapes",
    "trajectory": "the structures' parameters have different shapes",
    "checkpoint": "one checkpoint file holds one population",
    "prune": "a pruner judges the trials of one population",
}


def run_groups(
    family: ProblemFamily,
    optimizer: Callable[..., Any],
    table: Mapping[str, Any],
    training: Any,
    options: dict[str, Any],
) -> SweepResult:
    """Sweep ``family`` (see the module docstring); ``options`` are :func:`jaxscape.sweep`'s
    keyword arguments."""
    if not isinstance(table, Mapping):
        raise TypeError(f"table must be a dict of columns, got {type(table).__name__}")
    n = _population_size(table)
    keys = _structures(family, table, n)
    groups: dict[Structure, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    if len(groups) > 1:
        _refuse_unmergeable(groups, training, options)
    rest = {k: v for k, v in table.items() if k not in family.parameters}
    runs = []
    for key, idx in groups.items():
        prob = family.problem(**dict(key))
        sub = {k: _rows(v, np.asarray(idx)) for k, v in rest.items()}
        _check_columns(family, prob, optimizer, sub)
        runs.append((prob, np.asarray(idx), sub))
    hook = options.get("on_record")
    results = []
    for (prob, idx, sub), key in zip(runs, groups, strict=True):
        given = {**options, "on_record": None if hook is None else _remap(hook, idx, key)}
        results.append(sweep(prob, optimizer, sub, training, **given))
    return _merge(family, list(groups), [r[1] for r in runs], results, n)


def _population_size(table: Mapping[str, Any]) -> int:
    """``N``: the common length of the per-trial columns (1 when every column is a scalar)."""
    lengths = {k: len(v) for k, v in table.items() if not _is_scalar(v)}
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"{k}: {v}" for k, v in lengths.items())
        raise ValueError(f"table columns have different lengths ({desc}); use js.grid for products")
    empty = [k for k, v in lengths.items() if v == 0]
    if empty:
        raise ValueError(f"table[{empty[0]!r}] is empty")
    return next(iter(lengths.values()), 1)


def _is_scalar(value: Any) -> bool:
    if isinstance(value, bool | str | numbers.Number | np.generic) or value is None:
        return True
    return callable(value) or np.ndim(value) == 0


def _structures(family: ProblemFamily, table: Mapping[str, Any], n: int) -> list[Structure]:
    """Each trial's checked structure (defaults filled in)."""
    given = [k for k in family.parameters if k in table]
    columns = {k: [table[k]] * n if _is_scalar(table[k]) else list(table[k]) for k in given}
    for k, col in columns.items():
        if any(np.ndim(v) for v in col):
            raise TypeError(f"table[{k!r}] must be a value or a 1-D column of values")
    out, seen = [], {}
    for i in range(n):
        raw = tuple((k, _hashable(columns[k][i])) for k in given)
        if raw not in seen:
            try:
                seen[raw] = family.structure(dict(raw), "table[{!r}]")
            except (TypeError, ValueError) as err:
                raise type(err)(f"{err} (trial {i})" if n > 1 else str(err)) from err
        out.append(seen[raw])
    return out


def _hashable(value: Any) -> Any:
    value = value.item() if isinstance(value, np.generic) else value
    try:
        hash(value)
    except TypeError as err:
        raise TypeError(
            f"a structural value must be a bool, number or string, got {value!r}"
        ) from err
    return value


def _refuse_unmergeable(groups: dict, training: Any, options: dict[str, Any]) -> None:
    checkpoint = training.checkpoint if isinstance(training, Training) else None
    given = {**options, "checkpoint": options.get("checkpoint", checkpoint)}
    for name, why in SINGLE_STRUCTURE.items():
        value = given.get(name)
        if value is not None and value is not False and not (name == "trajectory" and not value):
            shown = "; ".join(", ".join(f"{k}={v!r}" for k, v in key) for key in groups)
            raise ValueError(
                f"{name} cannot be combined with a family's sweep over {len(groups)} "
                f"structures ({shown}): {why}. Sweep each structure alone "
                "(js.sweep(family.problem(...), ...))"
            )


def _rows(value: Any, idx: np.ndarray) -> Any:
    """A column's values for the trials ``idx`` (a scalar stays one)."""
    return value if _is_scalar(value) else np.asarray(value)[idx]


def _check_columns(family: ProblemFamily, prob: Any, optimizer: Any, sub: dict) -> None:
    """Every non-structural column is one the optimizer (or the loss) takes, and the group's
    table is valid, before any group trains."""
    factory = table_factory(prob, optimizer)
    accepted, _ = accepted_names(factory)
    if accepted is not None:
        unknown = sorted(set(sub) - accepted - {SEED, BATCH_SIZE})
        if unknown:
            label = getattr(optimizer, "__name__", type(optimizer).__name__)
            raise ValueError(
                f"table column(s) {unknown} are neither parameters of the family "
                f"{family.name!r} ({list(family.parameters)}) nor hyperparameters of {label} "
                f"({sorted(accepted)})"
            )
    make_table(sub, factory, 0)


def _remap(hook: Callable, idx: np.ndarray, key: Structure) -> Callable:
    """``hook`` seeing the table's trial indices and the structural columns."""

    def remapped(event: Any) -> None:
        extra = {k: np.full(event.n, v) for k, v in key}
        hyper = {**extra, **event.hyperparams}
        hook(dataclasses.replace(event, trials=idx[np.asarray(event.trials)], hyperparams=hyper))

    return remapped


def _merge(
    family: ProblemFamily,
    keys: list[Structure],
    indices: list[np.ndarray],
    results: list[SweepResult],
    n: int,
) -> SweepResult:
    """One result of ``n`` trials from the groups' results (trial ``indices[g][j]`` is row
    ``j`` of ``results[g]``); kept parameters and states come only from a single group."""
    steps = results[0].steps
    for key, res in zip(keys, results, strict=True):
        if not np.array_equal(res.steps, steps):
            raise ValueError(
                f"the structures were recorded at different steps ({dict(key)}: "
                f"{res.steps.tolist()} vs {steps.tolist()}); give steps, not epochs"
            )

    def scatter(parts: list[np.ndarray], fill: Any) -> np.ndarray:
        try:
            dtype = np.result_type(*parts)
        except TypeError:  # values of different kinds (an unannotated parameter)
            dtype = np.dtype(object)
        out = np.full((n, *parts[0].shape[1:]), fill, dtype=dtype)
        for idx, part in zip(indices, parts, strict=True):
            out[idx] = part
        return out

    def missing(r: SweepResult) -> np.ndarray:
        return np.full((r.n_trials, len(steps)), np.nan)

    names = list(dict.fromkeys(k for r in results for k in r.metrics))
    metrics = {k: scatter([r.metrics.get(k, missing(r)) for r in results], np.nan) for k in names}
    pairs = list(zip(keys, indices, strict=True))
    structural = {
        name: scatter([np.full(len(i), dict(key)[name]) for key, i in pairs], 0)
        for name in family.parameters
    }
    hyper = {k: scatter([r.hyperparams[k] for r in results], 0) for k in results[0].hyperparams}
    first = results[0]
    info = {k: v for k, v in first.info.items() if k != "num_params" or len(results) == 1}
    info.update(
        problem=family.name,
        compile_s=round(sum(r.info.get("compile_s", 0.0) for r in results), 4),
        run_s=round(sum(r.info.get("run_s", 0.0) for r in results), 4),
        structures=[
            {"structure": dict(key), "trials": r.n_trials, "num_params": r.info.get("num_params")}
            for key, r in zip(keys, results, strict=True)
        ],
    )
    pruned = [r.pruned_at for r in results]
    return dataclasses.replace(
        first,
        hyperparams={**structural, **hyper},
        metrics=metrics,
        diverged=scatter([r.diverged for r in results], False),
        diverged_at=scatter([r.diverged_at for r in results], -1),
        pruned_at=None if any(p is None for p in pruned) else scatter(pruned, -1),
        info=info,
    )
