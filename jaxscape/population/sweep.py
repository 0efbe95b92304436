"""``sweep``: train a population of trials that differ in hyperparameters, as one computation."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxscape._checks import check_positive_int, check_range
from jaxscape.data.stream import is_streamed
from jaxscape.models.columns import table_factory
from jaxscape.population._batch_mask import masked_objective, resolve_batch_size
from jaxscape.population._identity import sweep_identity
from jaxscape.population._trace_check import check_traceable
from jaxscape.population.engine import RunOptions, run
from jaxscape.population.family import ProblemFamily
from jaxscape.population.judging import Judging
from jaxscape.population.memory import auto_chunk
from jaxscape.population.plan import Plan, plan_calls
from jaxscape.population.pruning import Pruner
from jaxscape.population.record import OnRecord
from jaxscape.population.result import SweepResult
from jaxscape.population.sharding import trial_mesh
from jaxscape.population.sharpness import Sharpness, with_vectors
from jaxscape.population.snapshot import PopulationState, check_start
from jaxscape.population.step import StepConfig
from jaxscape.population.table import Table, make_table
from jaxscape.population.training import Training
from jaxscape.problem import Problem


def sweep(
    prob: Problem | ProblemFamily,
    optimizer: Callable[..., optax.GradientTransformation],
    table: Mapping[str, Any],
    training: Training | int | None = None,
    *,
    judging: Judging | None = None,
    start: PopulationState | None = None,
    sharpness: Sharpness | None = None,
    on_record: OnRecord | None = None,
    prune: Pruner | None = None,
    **options: Any,
) -> SweepResult:
    """Train ``N`` trials that differ only in hyperparameters (and optionally seeds) at once.

    All trials advance together: ``jax.vmap`` over trials inside ``jax.lax.scan`` over steps
    (or one step per compiled call where the backend runs the model faster outside a loop:
    convolutions on XLA:CPU, see :mod:`jaxscape.population.dispatch`). Hyperparameters are data
    (traced arrays), so every value shares one program, compiled once per process and reused by
    later sweeps of the same problem and optimizer (:mod:`jaxscape.population.programs`).

    Args:
      prob: the problem (see :class:`jaxscape.Problem`), or a
        :class:`~jaxscape.population.family.ProblemFamily` whose parameters (width, depth...)
        are table columns: one population per structure, merged in table order (``start``,
        ``keep_params``, ``keep_state``, ``trajectory``, ``checkpoint`` and ``prune`` with one
        structure only).
      optimizer: a factory taking hyperparameters as keyword arguments and returning an
        ``optax.GradientTransformation``: a :mod:`jaxscape.optim` function, an optax alias, or
        ``jaxscape.optim.with_schedule(...)`` to sweep schedule parameters too.
      table: ``{name: value}``; a value is a scalar shared by every trial or a length-``N``
        sequence (one per trial); bools, strings and callables are shared structural options.
        :func:`jaxscape.grid` builds Cartesian products. A ``"seed"`` column gives replicates.
        A ``"batch_size"`` column (integers in ``[1, n_train]``, never passed to the optimizer)
        gives each trial its own mini-batch size: the population reads batches of the largest,
        ``B_max``, and each trial trains on the masked mean over its own rows, exactly the
        batches of a run with that size alone (``population/_batch_mask.py``; not for
        ``Problem.from_loss`` or models with batch statistics).
      training: a :class:`~jaxscape.population.training.Training` (how long, in which batches,
        from which seed, recorded how often, checkpointed where, with which progress bar and
        callback) or an int (that many steps). Every option below that is a field of
        ``Training`` (``steps``, ``batch_size``, ``seed``, ``eval_every``, ``record_initial``,
        ``checkpoint``, ``checkpoint_every``, ``progress``, ``callback``) may be given as a
        keyword instead, or beside it (the keyword wins).
      judging: a :class:`~jaxscape.population.judging.Judging`; the sweep uses its
        ``diverge_factor`` (a ``diverge_factor`` keyword wins).
      on_record: called on the host with every record window's
        :class:`~jaxscape.population.record.RecordEvent` (step, trials, ``[n]`` metrics,
        hyperparameters, divergence flags) as soon as it reaches the host, while the device
        runs the next call: live metrics for loggers (:mod:`jaxscape.loggers`) and dashboards.
        Records of one chunk come in column order; the values equal the returned ones.
      prune: a stopping rule consulted at every record for every live trial
        (:class:`~jaxscape.population.pruning.MedianStopping`,
        :class:`~jaxscape.population.pruning.ASHA`, or any Optuna pruner through
        :class:`~jaxscape.population.pruning.OptunaPruner`): a stopped trial is frozen like a
        diverged one and marked pruned (``res.pruned_at`` the step of the record that stopped
        it; its metrics up to that record kept, NaN after). Takes effect from the next compiled
        call on (a dense model's call holds several windows).
      options: the keyword options below (an unknown name is a ``TypeError``).
      steps: optimizer steps per trial.
      batch_size: mini-batch size; ``None`` trains on the whole training split every step (GD).
        Ignored for full-batch problems without data. With a ``"batch_size"`` column, an upper
        bound that must be ``>=`` the column's largest value.
      seed: the seed of every trial without a ``"seed"`` column: trials then share their initial
        weights, batch order and dropout masks, and differ only in hyperparameters.
      eval_every: steps per recording window (default: ``steps // 20``, at least 1).
      diverge_factor: a trial is flagged diverged, and frozen, when its training loss becomes
        non-finite or exceeds ``loss0 + diverge_factor * max(|loss0|, 1)`` (``loss0`` its first
        loss), the parameters after the last update included; ``diverged_at`` is the step whose
        update diverged (see :mod:`jaxscape.population.step`).
      eval_batch_size: data batch of the exact test-split evaluation.
      chunk_size: trials per compiled chunk (rounded up to a multiple of the device count; a
        smaller population is padded up to it, padding lanes never appear in the result);
        default chosen from the memory of ``devices`` (on a CPU, its cache) among a ladder of
        sizes (1, 2, 3, 4, 6, 8, 12, ...) so that populations of nearby sizes share their
        compiled programs. The same cut gives bitwise the same numbers; another chunk size
        changes float rounding only, which training at a learning rate near the edge of
        stability can amplify (``benchmarks/trial_independence.py``).
      devices: devices to shard the trial axis over (default: ``jax.devices()``, every
        process's devices after ``jax.distributed.initialize()``; see
        :mod:`jaxscape.population.sharding`).
      checkpoint: a file path; the run's state is written there atomically (at most every
        ``checkpoint_every`` seconds and after each chunk) and the same call after an
        interruption resumes from it, in this or a new process, ending with the numbers of an
        uninterrupted run. The file records what determines the numbers (data and initial
        parameter hashes, problem, optimizer and its arguments, table, schedules' parameters,
        seeds, steps, batch size, recording) and refuses another sweep, naming what differs;
        it resumes with another chunk size or device count (the chunk in progress then
        restarts), to the float rounding such a change brings.
      pad_to: size the chunks as for a population of this many trials, whatever the table
        holds (a smaller one is padded, a larger one runs in several chunks; padding lanes never
        appear in the result): populations that should share one compiled program (the groups
        of a search's batches) pass the same value.
      pad: round a chunk up to the ladder of sizes (default); ``False``: a chunk holds exactly
        the population (rounded up to the device count), for a population whose size is not
        run again in this process, where padding lanes would only cost compute (a range
        test's or a seeded comparison's: the recipe's steps). Not with ``pad_to``.
      compact: when at most half of a chunk's trials still train (the others diverged or were
        pruned), re-pack the live ones into a smaller chunk (their state gathered; programs of
        that size come from the compile cache), so dead trials stop costing compute. Results
        stay indexed by the original trials; the live trials' numbers change by float rounding
        only (another chunk size). Not with ``checkpoint``, ``keep_state`` or ``trajectory``.
        Default ``True``.
      keep_params: return every trial's final parameters (``res.params``, leading ``[N]``).
      trajectory: trial indices whose parameters are kept at step 0 and every recording
        (``res.trajectory``), e.g. for a PCA plane of the path.
      progress: show a progress bar with ETA.
      callback: called on the host after every compiled call with a dict of progress facts.
      keep_state: return where every trial stopped (``res.state``, a
        :class:`~jaxscape.population.snapshot.PopulationState` on the device) so that a later
        call can continue it.
      start: continue these trials (``res.state`` of an earlier sweep of the same problem, or
        rows of it from :meth:`~jaxscape.population.snapshot.PopulationState.take`) for
        ``steps`` more steps instead of initialising them: each from its own parameters and
        optimizer state, reading the batches an uninterrupted run reads, with the table's
        hyperparameter values (the same columns; PBT changes values between calls). Recorded
        steps continue from ``start.step``. Continuing gives the numbers of an uninterrupted
        run, bitwise with the same chunking. Continued runs of one problem share their
        compiled programs.
      record_initial: record the initial weights too, as the first column (step 0): exact
        evaluation-mode metrics over the whole training split (``train_*``, not window means),
        the test/validation metrics as every record computes them, and the optimizer's exposed
        values at initialisation. A continued run (``start``) records no such column: its
        start is the earlier run's last record.
      sharpness: a :class:`~jaxscape.population.sharpness.Sharpness` to record every trial's
        top Hessian eigenvalue at the end of every window as the metric ``sharpness``
        ``[N, T]`` (warm-started power iteration on the loss over a fixed subset of the
        training split; NaN once diverged), or ``None``.

    Returns:
      A :class:`SweepResult` with ``hyperparams`` ``[N]``, ``steps`` ``[T]`` (``[T + 1]``
      starting at 0 with ``record_initial``), ``metrics``
      ``{name: [N, T]}``, ``diverged`` ``[N]`` and ``diverged_at`` ``[N]``.

    Example:
      >>> import numpy as np, jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p ** 2), jnp.ones(3))
      >>> res = js.sweep(prob, js.optim.sgd, {"learning_rate": [0.5, 2.5]}, steps=20,
      ...                progress=False)
      >>> res.diverged.tolist()   # lr < 2/L converges, lr > 2/L diverges (L = 1)
      [False, True]
    """
    if isinstance(prob, ProblemFamily):  # one population per structure: population/family.py
        given = dict(judging=judging, start=start, sharpness=sharpness, on_record=on_record)
        from jaxscape.population._family_sweep import run_groups  # it imports this module

        return run_groups(prob, optimizer, table, training, {**given, "prune": prune, **options})
    kw = _options(prob, training, judging, options)
    kw["prune"] = _check_prune(prune)
    return _sweep(prob, optimizer, table, start, sharpness, on_record, kw)


def _check_prune(prune: Any) -> Any:
    if prune is not None and not callable(getattr(prune, "decide", None)):
        raise TypeError(
            "prune must be a pruner with a decide(step, trials, history) method (MedianStopping, "
            f"ASHA, OptunaPruner), got {type(prune).__name__}"
        )
    return prune


#: The keyword options of :func:`sweep` and their defaults (``steps`` has none).
DEFAULTS: dict[str, Any] = {
    "batch_size": 128,
    "seed": 0,
    "eval_every": None,
    "diverge_factor": 100.0,
    "eval_batch_size": 1024,
    "chunk_size": None,
    "devices": None,
    "checkpoint": None,
    "checkpoint_every": 30.0,
    "keep_params": False,
    "trajectory": None,
    "progress": True,
    "callback": None,
    "keep_state": False,
    "record_initial": False,
    "pad_to": None,
    "pad": True,
    "compact": True,
}


def _options(prob: Problem, training: Any, judging: Any, options: dict) -> dict[str, Any]:
    """Every keyword option of a sweep: the defaults, then ``training``'s and ``judging``'s
    values, then the keywords given."""
    unknown = sorted(set(options) - set(DEFAULTS) - {"steps"})
    if unknown:
        raise TypeError(
            f"sweep() got unexpected keyword argument(s) {unknown}; it takes {sorted(DEFAULTS)} "
            "and steps (or a Training)"
        )
    kw = dict(DEFAULTS)
    if isinstance(training, numbers.Integral) and not isinstance(training, bool):
        training = Training(steps=int(training), progress=options.get("progress", True))
    if training is not None:
        if not isinstance(training, Training):
            raise TypeError(f"training must be a Training or an int, got {type(training).__name__}")
        n_train = None if prob.data is None else prob.data.n_train
        kw.update(training.sweep_kwargs(n_train))
    if judging is not None:
        if not isinstance(judging, Judging):
            raise TypeError(f"judging must be a Judging or None, got {type(judging).__name__}")
        kw["diverge_factor"] = judging.diverge_factor
    kw.update(options)
    if "steps" not in kw:
        raise TypeError("sweep() needs steps: pass steps=... or a Training")
    return kw


def _sweep(
    prob: Problem,
    optimizer: Callable[..., optax.GradientTransformation],
    table: Mapping[str, Any],
    start: PopulationState | None,
    sharpness: Sharpness | None,
    on_record: OnRecord | None,
    kw: dict[str, Any],
) -> SweepResult:
    """:func:`sweep` with its keyword options resolved (``kw``)."""
    names = ("steps", "batch_size", "seed", "eval_every", "diverge_factor", "eval_batch_size")
    names += ("chunk_size", "checkpoint_every", "record_initial", "pad_to", "pad")
    args = _check_args(prob, sharpness=sharpness, **{k: kw[k] for k in names})
    optimizer = table_factory(prob, optimizer)  # a loss's own columns pass the table checks
    checkpoint, keep_state, keep_params = kw["checkpoint"], kw["keep_state"], kw["keep_params"]
    tab, start = _table_and_start(table, optimizer, args.seed, start, checkpoint, keep_state)
    args = _with_batch_column(prob, tab, args)
    _check_streamed(prob, args, tab)
    if start is not None and args.sharpness is not None:
        start = dataclasses.replace(start, trials=with_vectors(start.trials, args.sharpness))
    check_traceable(prob, optimizer, tab)
    traj = _check_trajectory(kw["trajectory"], tab.n)
    devices = _check_devices(kw["devices"])
    if on_record is not None and not callable(on_record):
        raise TypeError(f"on_record must be callable, got {type(on_record).__name__}")

    every_record = bool(traj) or kw["prune"] is not None  # one window per call
    quiet = not kw["progress"] and kw["callback"] is None and on_record is None
    quiet = quiet and checkpoint is None and not every_record
    cfg, plan = _configure(
        prob, optimizer, tab, args, devices, every_record, initial=start is None, quiet=quiet
    )
    identity = None
    if checkpoint is not None:
        settings = _identity_settings(args, cfg, keep_params, traj)
        if tab.batch_sizes is not None:
            settings["batch sizes"] = tab.batch_sizes.tolist()
        identity = sweep_identity(prob, optimizer, tab, settings)
    opts = RunOptions(
        batch_size=args.batch_size,
        keep_params=keep_params,
        trajectory=traj,
        checkpoint=checkpoint,
        checkpoint_every=args.checkpoint_every,
        progress=kw["progress"],
        callback=kw["callback"],
        mesh=trial_mesh(devices),
        identity=identity,
        start=start,
        keep_state=bool(keep_state),
        on_record=on_record,
        prune=kw["prune"],
        compact=bool(kw["compact"]),
    )
    got, timing = run(cfg, tab, plan, opts)
    t0 = 0 if start is None else start.step
    info = {
        "optimizer": getattr(optimizer, "__name__", type(optimizer).__name__),
        "problem": prob.name,
        "num_params": prob.num_params,
        "num_classes": prob.num_classes,
        **args.info(),
        **_run_info(cfg, plan, devices, timing),
    }
    return _result(got, tab, plan, t0, info, traj, keep_state)


@dataclass(frozen=True)
class _Args:
    """The validated scalar settings of a sweep."""

    steps: int
    batch_size: int | None
    seed: int
    eval_every: int
    diverge_factor: float
    eval_batch_size: int
    chunk_size: int | None
    checkpoint_every: float
    record_initial: bool
    sharpness: Sharpness | None = None
    pad_to: int | None = None
    pad: bool = True

    def info(self) -> dict:
        out = {
            "steps": self.steps,
            "batch_size": self.batch_size,
            "eval_every": self.eval_every,
            "seed": self.seed,
            "diverge_factor": self.diverge_factor,
        }
        if self.record_initial:
            out["record_initial"] = True
        if self.sharpness is not None:
            out["sharpness"] = dataclasses.asdict(self.sharpness)
        return out


def _check_args(prob: Any, **kw: Any) -> _Args:
    """Validate the scalar arguments of :func:`sweep` (a ``ValueError``/``TypeError`` naming
    the argument, before anything compiles)."""
    if not isinstance(prob, Problem):
        raise TypeError(f"prob must be a jaxscape Problem, got {type(prob).__name__}")
    steps = check_positive_int("steps", kw["steps"])
    seed = check_positive_int("seed", kw["seed"], allow_zero=True)
    eval_every = kw["eval_every"]
    if eval_every is None:
        eval_every = max(1, steps // 20)
    eval_every = check_positive_int("eval_every", eval_every)
    if eval_every > steps:
        raise ValueError(f"eval_every ({eval_every}) must be <= steps ({steps})")
    check_range("diverge_factor", kw["diverge_factor"], low=0.0, low_open=True)
    eval_batch_size = check_positive_int("eval_batch_size", kw["eval_batch_size"])
    check_range("checkpoint_every", kw["checkpoint_every"], low=0.0)
    chunk_size, pad_to = kw["chunk_size"], kw["pad_to"]
    if chunk_size is not None:
        chunk_size = check_positive_int("chunk_size", chunk_size)
    if pad_to is not None:
        pad_to = check_positive_int("pad_to", pad_to)
    if not isinstance(kw["pad"], bool | np.bool_):
        raise TypeError(f"pad must be a bool, got {kw['pad']!r}")
    if not kw["pad"] and pad_to is not None:
        raise ValueError("pad=False (chunks of the population's own size) excludes pad_to")
    batch_size = _check_batch_size(prob, kw["batch_size"])
    if not isinstance(kw["record_initial"], bool | np.bool_):
        raise TypeError(f"record_initial must be a bool, got {kw['record_initial']!r}")
    return _Args(
        steps=steps,
        batch_size=batch_size,
        seed=seed,
        eval_every=eval_every,
        diverge_factor=float(kw["diverge_factor"]),
        eval_batch_size=eval_batch_size,
        chunk_size=chunk_size,
        checkpoint_every=float(kw["checkpoint_every"]),
        record_initial=bool(kw["record_initial"]),
        sharpness=_check_sharpness(prob, kw["sharpness"]),
        pad_to=pad_to,
        pad=bool(kw["pad"]),
    )


def _check_sharpness(prob: Problem, sharpness: Any) -> Sharpness | None:
    if sharpness is not None and not isinstance(sharpness, Sharpness):
        raise TypeError(f"sharpness must be a Sharpness or None, not {type(sharpness).__name__}")
    if sharpness is not None:
        sharpness.check(prob)
    return sharpness


def _check_batch_size(prob: Problem, batch_size: int | None) -> int | None:
    if batch_size is None:
        return None
    batch_size = check_positive_int("batch_size", batch_size)
    if prob.data is not None and batch_size > prob.data.n_train:
        raise ValueError(
            f"batch_size ({batch_size}) exceeds the {prob.data.n_train} training examples; "
            "use batch_size=None for full-batch gradient descent"
        )
    return batch_size


def _with_batch_column(prob: Problem, tab: Table, args: _Args) -> _Args:
    """With a ``batch_size`` column: check it, and read batches of its largest value (the
    ``batch_size`` argument must be at least that); several values need a problem that can
    weight examples (the masked mean, see ``_batch_mask.py``)."""
    if tab.batch_sizes is None:
        return args
    n_train = None if prob.data is None else prob.data.n_train
    b_max = resolve_batch_size(tab.batch_sizes, args.batch_size, n_train)
    if np.unique(tab.batch_sizes).size > 1:
        masked_objective(prob)  # refuses problems that cannot mask, before compiling
    return dataclasses.replace(args, batch_size=b_max)


def _check_streamed(prob: Problem, args: _Args, tab: Table) -> None:
    """Refuse what a streamed training split (:mod:`jaxscape.data.stream`) cannot do: every
    option that reads the whole split on the device."""
    if not is_streamed(prob.data):
        return
    refused = {
        "batch_size=None (full batch)": args.batch_size is None,
        "a batch_size column": tab.batch_sizes is not None,
        "sharpness": args.sharpness is not None,
        "record_initial=True": args.record_initial,
    }
    for what, given in refused.items():
        if given:
            raise ValueError(
                f"{what} needs the whole training split on the device, but {prob.data.name}'s "
                "is streamed from the host (jaxscape.data.stream); use a mini-batch size and "
                "leave this option out, or load the data into memory"
            )


def _check_trajectory(trajectory: Sequence[int] | None, n: int) -> tuple[int, ...]:
    traj = tuple(int(i) for i in (trajectory or ()))
    for i in traj:
        if not 0 <= i < n:
            raise ValueError(f"trajectory index {i} is outside the {n} trials")
    return traj


def _check_devices(devices: Sequence[jax.Device] | None) -> list:
    devices = list(devices) if devices is not None else jax.devices()
    if not devices:
        raise ValueError("devices is empty")
    return devices


def _configure(
    prob: Problem,
    optimizer: Callable,
    tab: Table,
    args: _Args,
    devices: list,
    every_record: bool,
    *,
    initial: bool,
    quiet: bool = False,
) -> tuple[StepConfig, Plan]:
    """The compiled step's configuration and the run's cut (chunks, calls; one window per call
    with ``every_record``: trajectories and pruners act at every record; one call for a
    one-lane chunk when nothing watches the run, ``quiet``: no progress, callback, live
    records or checkpoint, and nothing to compact)."""
    data = prob.data
    full = data is None or args.batch_size is None or args.batch_size >= data.n_train
    batching = "full" if full else ("shared" if np.unique(tab.seeds).size == 1 else "per_seed")
    masked = tab.batch_sizes is not None and np.unique(tab.batch_sizes).size > 1
    batching = "per_seed" if masked else batching
    cfg = StepConfig(
        prob=prob,
        optimizer=optimizer,
        static=tab.static,
        batching=batching,
        diverge_factor=args.diverge_factor,
        eval_batch_size=args.eval_batch_size,
        record_test=data is not None and data.test is not None and data.n_test > 0,
        record_val=data is not None and data.n_val > 0,
        steps=args.steps,
        sharpness=args.sharpness,
        masked=masked,
    )
    chunk = auto_chunk(
        cfg,
        tab,
        devices,
        cap=args.chunk_size,
        batch_size=args.batch_size,
        pad_to=args.pad_to,
        pad=args.pad,
    )
    # About ten calls per chunk whatever the number of chunks, so that the call shapes (hence
    # the programs) do not depend on the population's size, and a chunk whose trials die early
    # is compacted (and a pruner acts) well before it ends. A one-lane chunk nobody watches
    # has nothing to gain from the cut: one call, and no per-call host cost.
    calls, record_steps = plan_calls(
        args.steps,
        args.eval_every,
        target_calls=1 if quiet and chunk == 1 else 10,
        windows_per_call=1 if every_record else None,
    )
    plan = Plan(
        chunk=chunk,
        calls=calls,
        record_steps=record_steps,
        record_initial=args.record_initial and initial,
    )
    return cfg, plan


def _identity_settings(args: _Args, cfg: StepConfig, keep_params: bool, traj: tuple) -> dict:
    """The settings a checkpoint records (with the table and problem) and resumes only with."""
    settings = {
        "steps": args.steps,
        "batch size": args.batch_size,
        "eval_every": args.eval_every,
        "diverge_factor": args.diverge_factor,
        "eval_batch_size": args.eval_batch_size,
        "recorded": [*cfg.train_names, *cfg.test_names, *cfg.val_names],
        "keep_params": keep_params,
        "trajectory": list(traj),
    }
    if args.record_initial:
        settings["record_initial"] = True
    if args.sharpness is not None:
        settings["sharpness"] = dataclasses.asdict(args.sharpness)
    return settings


def _result(
    got: Any, tab: Table, plan: Plan, t0: int, info: dict, traj: tuple, keep_state: bool
) -> SweepResult:
    """The :class:`SweepResult` of a run that started at step ``t0``."""
    record_steps = plan.record_steps + t0
    steps = np.concatenate([[t0], record_steps]) if plan.record_initial else record_steps
    hyper = tab.columns()
    trajectory = None
    if traj:
        trajectory = {
            "trials": np.asarray(traj),
            "steps": np.concatenate([[t0], record_steps]),
            "params": got.traj,
        }
    metrics, diverged, diverged_at = got.metrics, got.diverged, got.diverged_at
    if got.pruned_at is not None:
        metrics, diverged, diverged_at = _pruned_view(got, steps)
    return SweepResult(
        hyperparams=hyper,
        static={k: _describe(v) for k, v in tab.static.items()},
        steps=steps.astype(np.int64),
        metrics=metrics,
        diverged=diverged,
        diverged_at=diverged_at,
        pruned_at=got.pruned_at,
        params=got.params,
        trajectory=trajectory,
        info=info,
        state=_final_state(got, tab, t0 + plan.steps) if keep_state else None,
    )


def _pruned_view(got: Any, steps: np.ndarray) -> tuple[dict, np.ndarray, np.ndarray]:
    """Metrics NaN after the record that pruned a trial (it ran on until frozen), and the
    divergence flags without the pruned trials (frozen, not diverged)."""
    pruned = got.pruned_at >= 0
    after = pruned[:, None] & (steps[None, :] > got.pruned_at[:, None])
    metrics = {k: np.where(after, np.nan, v).astype(v.dtype) for k, v in got.metrics.items()}
    diverged = got.diverged & ~pruned
    return metrics, diverged, np.where(pruned, -1, got.diverged_at)


def _table_and_start(table, optimizer, seed, start, checkpoint, keep_state):
    """The validated table, and ``start`` checked against it (trials keep their own seeds)."""
    tab = make_table(table, optimizer, seed)
    if start is not None:
        if "seed" not in table and getattr(start, "n", None) == tab.n:
            tab = dataclasses.replace(tab, seeds=np.asarray(start.seeds, np.int64))
        start = check_start(start, tab.n, tab.seeds, set(tab.numeric))
        if checkpoint is not None:
            raise ValueError("checkpoint cannot be combined with start (continue from res.state)")
    if keep_state and checkpoint is not None:
        raise ValueError("keep_state cannot be combined with checkpoint")
    return tab, start


def _run_info(cfg: StepConfig, plan: Plan, devices: list, timing: dict) -> dict:
    """How the run was cut and how long it took (none of it changes the numbers)."""
    return {
        "batching": cfg.batching,
        "chunk_size": plan.chunk,
        "devices": len(devices),
        "backend": jax.default_backend(),
        "compile_s": round(timing["compile_s"], 4),
        "run_s": round(timing["run_s"], 4),
        "jax": jax.__version__,
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def _final_state(got: Any, tab: Any, step: int) -> PopulationState:
    trials = jax.tree.map(lambda *parts: jnp.concatenate(parts), *got.states)
    hyper = {k: v.copy() for k, v in tab.numeric.items()}
    return PopulationState(step=step, seeds=tab.seeds.copy(), hyperparams=hyper, trials=trials)


def _describe(value: Any) -> str:
    if callable(value):
        return getattr(value, "__qualname__", None) or repr(value)
    return repr(value)
