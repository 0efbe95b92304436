"""Host buffers of a population run, and the collection of device results into them.

Results come back one compiled call late: the host queues what a call returned and reads it
after dispatching the next call, so it never stalls the device between calls (nor between
chunks: the next chunk is dispatched before this one's end is read).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxscape.optim.exposed import exposed_scalars
from jaxscape.population.programs import memo
from jaxscape.population.record import RecordEvent
from jaxscape.population.sharding import to_host
from jaxscape.population.state import TrialState
from jaxscape.population.step import StepConfig, init_trials
from jaxscape.population.table import Table


@dataclass
class Collected:
    """Everything gathered on the host so far (also what a checkpoint stores)."""

    metrics: dict[str, np.ndarray]  # [N, T]
    diverged: np.ndarray  # [N]
    diverged_at: np.ndarray  # [N]
    params: Any  # leaves [N, ...] or None
    traj: Any  # leaves [m, W+1, ...] or None (W windows)
    states: list | None = None  # final TrialState of each chunk (device), with keep_state
    pruned_at: np.ndarray | None = None  # [N] step of the record that pruned it, -1: none

    def arrays(self) -> dict[str, np.ndarray]:
        out = {f"metric/{k}": v for k, v in self.metrics.items()}
        out["diverged"], out["diverged_at"] = self.diverged, self.diverged_at
        if self.pruned_at is not None:
            out["pruned_at"] = self.pruned_at
        for name, tree in (("params", self.params), ("traj", self.traj)):
            if tree is not None:
                for i, leaf in enumerate(jax.tree.leaves(tree)):
                    out[f"{name}/{i:05d}"] = leaf
        return out

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        for k in self.metrics:
            self.metrics[k] = arrays[f"metric/{k}"]
        self.diverged, self.diverged_at = arrays["diverged"], arrays["diverged_at"]
        if self.pruned_at is not None and "pruned_at" in arrays:
            self.pruned_at = arrays["pruned_at"]
        for name in ("params", "traj"):
            tree = getattr(self, name)
            if tree is not None:
                leaves, treedef = jax.tree.flatten(tree)
                new = [arrays[f"{name}/{i:05d}"] for i in range(len(leaves))]
                setattr(self, name, jax.tree.unflatten(treedef, new))


@dataclass
class Collector:
    """Queues device results of trials ``[lo, hi)`` and writes them into ``got`` on
    :meth:`flush`, handing each record to ``on_record`` as a
    :class:`~jaxscape.population.record.RecordEvent` as it reaches the host.

    ``steps`` ``[T]`` are the step counts of the result's columns and ``hyperparams`` the
    table's columns (``{name: [N]}``), both needed only with ``on_record``.
    """

    got: Collected
    rows: list[tuple[Any, int, int, int]] = field(default_factory=list)
    ends: list[tuple[Any, int, int]] = field(default_factory=list)
    on_record: Callable[[RecordEvent], Any] | None = None
    steps: np.ndarray | None = None
    hyperparams: dict[str, np.ndarray] | None = None
    prune: Any = None  # a Pruner whose metric is resolved
    pending: set = field(default_factory=set)  # pruned trials not yet frozen on the device
    dead: np.ndarray | None = None  # [N] diverged or pruned as far as the host has read

    def __post_init__(self) -> None:
        if self.dead is None:
            self.dead = np.zeros(self.got.diverged.shape, bool)

    def add_rows(self, rows: list[tuple[dict, Any]], trials: np.ndarray, col: int) -> None:
        """``rows``: blocks ``({name: [w, chunk]}, diverged [w, chunk])`` of device arrays, the
        records ``col, col + 1, ...`` in order, whose first ``m`` lanes are ``trials`` ``[m]``."""
        self.rows.append((rows, trials, col))

    def add_end(
        self, state: TrialState, trials: np.ndarray, keep_params: bool, lanes: Any = None
    ) -> None:
        """The divergence flags (and, when kept, parameters) of finished ``trials``: the first
        ``m`` lanes of ``state``, or its lanes ``lanes`` ``[m]``."""
        kept = state.params if keep_params else None
        self.ends.append(((state.diverged, state.diverged_at, kept), trials, lanes))

    def flush(self) -> None:
        got = self.got
        for blocks, trials, col in self.rows:
            m = trials.size
            for row, diverged in to_host(blocks):
                w = diverged.shape[0]
                for k, v in row.items():  # the step-0 record may hold fewer names (NaN then)
                    got.metrics[k][trials, col : col + w] = v[:, :m].T
                for j in range(w):
                    self.dead[trials[diverged[j, :m]]] = True
                    if self.prune is not None:
                        self._consult(trials, col + j, diverged[j, :m])
                    if self.on_record is not None:
                        self._event(trials, col + j, diverged[j, :m])
                col += w
        self.rows.clear()
        for end, trials, lanes in self.ends:
            lanes = np.arange(trials.size) if lanes is None else lanes
            diverged, diverged_at, params = to_host(end)
            got.diverged[trials] = diverged[lanes]
            got.diverged_at[trials] = diverged_at[lanes]
            if params is not None:
                for dst, src in zip(
                    jax.tree.leaves(got.params), jax.tree.leaves(params), strict=True
                ):
                    dst[trials] = src[lanes]
        self.ends.clear()

    def _consult(self, trials: np.ndarray, col: int, diverged: np.ndarray) -> None:
        """Ask the pruner about the live ones of ``trials`` at record ``col``."""
        got = self.got
        live = ~diverged & (got.pruned_at[trials] < 0)
        if not live.any():
            return
        history = got.metrics[self.prune.metric][:, : col + 1]
        stop = np.asarray(self.prune.decide(int(self.steps[col]), trials[live], history), bool)
        for trial in trials[live][stop]:
            got.pruned_at[trial] = int(self.steps[col])
            self.pending.add(int(trial))
            self.dead[trial] = True

    def _event(self, trials: np.ndarray, col: int, diverged: np.ndarray) -> None:
        got = self.got
        self.on_record(
            RecordEvent(
                step=int(self.steps[col]),
                column=col,
                trials=trials.copy(),
                metrics={k: v[trials, col] for k, v in got.metrics.items()},
                hyperparams={k: v[trials] for k, v in self.hyperparams.items()},
                diverged=np.asarray(diverged, bool) & (got_pruned(got)[trials] < 0),
            )
        )


def got_pruned(got: Collected) -> np.ndarray:
    """``[N]`` the step each trial was pruned at (``-1``: not pruned, or no pruner)."""
    return got.pruned_at if got.pruned_at is not None else np.full(got.diverged.shape, -1)


def empty_collected(
    cfg: StepConfig, table: Table, n_records: int, n_windows: int, opts: Any
) -> Collected:
    """Host buffers for every recorded metric (train, test, val, what the optimizer exposes as
    ``opt_<name>``; ``[N, n_records]``), divergence flags and, when kept, parameters and
    trajectories (``[m, n_windows + 1, ...]``), NaN-filled."""
    n = table.n
    abstract = memo(
        "abstract_trial",
        (cfg.key, tuple(table.numeric)),
        lambda: jax.eval_shape(
            functools.partial(init_trials, cfg),
            {k: jax.ShapeDtypeStruct((1,), jnp.float32) for k in table.numeric},
            jax.ShapeDtypeStruct((1,), jnp.uint32),
            jax.ShapeDtypeStruct((1,), jnp.int32),
        ),
        prepared=True,
    )
    exposed = tuple(f"opt_{k}" for k in exposed_scalars(abstract.opt_state))
    sharp = ("sharpness",) if cfg.sharpness is not None else ()
    names = (*cfg.train_names, *cfg.test_names, *cfg.val_names, *exposed, *sharp)
    n_traj = len(opts.trajectory)

    def host_params(lead):
        return jax.tree.map(
            lambda s: np.full((*lead, *s.shape[1:]), np.nan, s.dtype), abstract.params
        )

    return Collected(
        metrics={k: np.full((n, n_records), np.nan, np.float32) for k in names},
        diverged=np.zeros(n, bool),
        diverged_at=np.full(n, -1, np.int64),
        params=host_params((n,)) if opts.keep_params else None,
        traj=host_params((n_traj, n_windows + 1)) if n_traj else None,
        states=[] if opts.keep_state else None,
        pruned_at=np.full(n, -1, np.int64) if opts.prune is not None else None,
    )


def record_traj(got: Collected, state: TrialState, sel: tuple, col: int) -> None:
    """Copy the parameters of the chunk rows ``sel`` (``(row, trajectory index)`` pairs) into
    trajectory column ``col`` (0: the start; ``w``: after window ``w``)."""
    if not sel:
        return
    rows = np.asarray([j for j, _ in sel])
    params = to_host(jax.tree.map(lambda a: a[rows], state.params))
    for dst, src in zip(jax.tree.leaves(got.traj), jax.tree.leaves(params), strict=True):
        for r, (_, m) in enumerate(sel):
            dst[m, col] = src[r]
