"""The compiled functions of a population: initialise trials, and advance them k steps.

A window of ``S`` steps is ``S / k`` calls of ``steps`` (:func:`make_steps`: ``k`` steps of
``vmap(train_step)``, one ``lax.scan``, or no loop at all when ``k = 1``) writing each step's
losses into a window buffer, then one call of ``record`` (:func:`make_record`): the window's
metrics reduced on the device and, when there are test/validation splits, an exact evaluation
of them, so only ``[N]`` numbers per metric come back to the host.

Divergence. Step ``t`` (0-based) computes the loss ``loss_t`` at the parameters ``params_t``
(on its batch) and applies the update ``params_t -> params_{t+1}``. A trial diverges when a
loss is non-finite or above

    ``limit = loss0 + diverge_factor * max(|loss0|, DIVERGE_FLOOR)``

with ``loss0`` its first loss and ``DIVERGE_FLOOR = 1``. The floor keeps the limit sane when
the run starts near a loss of 0 (with ``|loss0|`` alone a start at 1e-8 would flag noise of
1e-6 as a blow-up); 1 is the scale of the losses jaxscape trains (cross-entropy is
``log C`` at chance, a mean squared error of standardised targets about 1), and a real
blow-up grows geometrically, so past the floor it is caught a few steps later at most.

``diverged_at = s`` is the step whose update produced the divergence: ``loss_{s+1}``, the loss
at ``params_{s+1}``, is the first that is non-finite or above the limit (a non-finite initial
loss, before any update, gives ``s = 0``). The parameters after the last update,
``params_T``, are never seen by a training step, so when the run reaches its last step
``T`` (``t_end``) they are judged once more: non-finite parameters, or a loss that is
non-finite or above the limit, flag the trial with ``diverged_at = T - 1``. That loss is the
last record's exact validation loss when the problem has a validation split (computed anyway),
else the training objective at ``params_T`` on the last step's batch (the batch whose update
produced ``params_T``; the whole split for full-batch runs), so the judgement costs one
forward pass of one batch, not a second pass over the training split. A diverged trial is
frozen at the parameters that diverged; every metric it records from then on, on every split,
is NaN.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import jax
import jax.numpy as jnp
import optax

from jaxscape.evaluation import all_finite, evaluate_split
from jaxscape.optim.exposed import exposed_scalars
from jaxscape.population._batch_mask import gather_masked, masked_objective
from jaxscape.population.programs import static_key
from jaxscape.population.sharpness import Sharpness, initial_carry, measure
from jaxscape.population.state import TrialState, select
from jaxscape.problem import Problem

Batching = Literal["full", "shared", "per_seed"]


@dataclass(frozen=True, eq=False)
class StepConfig:
    """Static description of one population's compiled step.

    Attributes:
      prob: the problem.
      optimizer: factory ``(**hyperparameters) -> optax.GradientTransformation``.
      static: shared non-numeric hyperparameters (bools, schedules), part of the program.
      batching: ``"full"`` (whole training split, or no data), ``"shared"`` (all trials of the
        chunk read the same mini-batch: one gather, broadcast to every trial) or
        ``"per_seed"`` (each trial reads the batch of its seed's order).
      diverge_factor: a trial diverges when its loss is non-finite or exceeds
        ``loss0 + diverge_factor * max(|loss0|, DIVERGE_FLOOR)`` (see the module docstring).
      eval_batch_size: data batch of the exact held-out evaluations.
      record_test: evaluate the test split at the end of each window.
      record_val: evaluate the validation split at the end of each window (as the test split).
      steps: the run's total steps; ``None`` skips the judgement of the parameters after the
        last update (the window that ends at ``advance``'s ``t_end`` makes it).
      sharpness: measure the Hessian's top eigenvalue at the end of each window (recorded as
        ``sharpness``; see ``sharpness.py``), or ``None``.
      masked: trials have their own batch sizes (a ``batch_size`` column): batches are
        ``(x, y, w)`` padded to the largest size, ``w`` 0 on padding, and the loss is the
        masked mean (see ``_batch_mask.py``); needs ``batching="per_seed"``.
    """

    prob: Problem
    optimizer: Callable[..., optax.GradientTransformation]
    static: dict[str, Any]
    batching: Batching
    diverge_factor: float
    eval_batch_size: int
    record_test: bool
    record_val: bool = False
    steps: int | None = None
    sharpness: Sharpness | None = None
    masked: bool = False

    @functools.cached_property
    def key(self) -> tuple:
        """The complete static description as a hashable key (every field, read with
        :func:`dataclasses.fields`; :func:`~jaxscape.population.programs.static_key`), built
        once per config."""
        return static_key(self)

    def tx(self, hparams: dict[str, jax.Array]) -> optax.GradientTransformation:
        """The optimizer of one trial, from its columns the problem does not consume."""
        own = self.prob.hyperparams
        return self.optimizer(**{k: v for k, v in hparams.items() if k not in own}, **self.static)

    @property
    def objective(self) -> Callable[..., Any]:
        """The training objective: the problem's, or its masked mean when ``masked``."""
        return masked_objective(self.prob) if self.masked else self.prob.objective

    @property
    def train_names(self) -> tuple[str, ...]:
        return tuple(f"train_{m}" for m in self.prob.metric_names)

    @property
    def test_names(self) -> tuple[str, ...]:
        return tuple(f"test_{m}" for m in self.prob.metric_names) if self.record_test else ()

    @property
    def val_names(self) -> tuple[str, ...]:
        return tuple(f"val_{m}" for m in self.prob.metric_names) if self.record_val else ()


def init_trials(
    cfg: StepConfig, hparams: dict[str, jax.Array], seeds: jax.Array, slot: jax.Array
) -> TrialState:
    """Initial state of ``N`` trials (the abstract shapes of a run's state come from here).

    Args:
      hparams: ``{name: [N] float32}``.
      seeds: ``[S]`` integer seeds, the distinct seeds of the chunk; seed ``s`` initialises with
        ``jax.random.key(s)``.
      slot: ``[N]`` int32, the index into ``seeds`` of each trial's seed.
    """
    stacked = jax.vmap(lambda s: cfg.prob.init(jax.random.key(s)))(seeds)
    return _from_stacked(cfg, hparams, slot, stacked)


def init_from_seeds(
    cfg: StepConfig, hparams: dict[str, jax.Array], slot: jax.Array, per_seed: list
) -> TrialState:
    """Initial state of ``N`` trials from their seeds' initial ``(params, state)``.

    The same as :func:`init_trials` with each seed's ``prob.init`` computed once beforehand
    (one small program per problem, reused by every chunk and sweep that starts from that
    seed) instead of inside the vmapped program.

    Args:
      hparams: ``{name: [N] float32}``.
      slot: ``[N]`` int32, the index into ``per_seed`` of each trial's seed.
      per_seed: ``[(params, state)]`` of ``prob.init(jax.random.key(seed))`` per distinct seed.
    """
    stacked = jax.tree.map(lambda *a: jnp.stack(a), *per_seed)
    return _from_stacked(cfg, hparams, slot, stacked)


def _from_stacked(cfg: StepConfig, hparams: dict, slot: jax.Array, stacked: tuple) -> TrialState:
    """The trials' state from the ``[S]``-stacked ``(params, state)`` of their seeds."""
    params, mstate = jax.tree.map(lambda a: a[slot], stacked)
    opt_state = jax.vmap(lambda hp, p: cfg.tx(hp).init(p))(hparams, params)
    n = slot.shape[0]
    return TrialState(
        params=params,
        model_state=mstate,
        opt_state=opt_state,
        hparams=hparams,
        loss0=jnp.full((n,), jnp.nan, jnp.float32),
        diverged=jnp.zeros((n,), bool),
        diverged_at=jnp.full((n,), -1, jnp.int32),
        sharpness=_sharpness_init(cfg, params),
    )


def _sharpness_init(cfg: StepConfig, params: Any) -> dict | None:
    """Every trial's power-iteration start, or ``None`` when sharpness is not measured."""
    if cfg.sharpness is None:
        return None
    return jax.vmap(lambda p: initial_carry(cfg.sharpness, p))(params)


def train_step(
    cfg: StepConfig, ts: TrialState, batch: Any, t: jax.Array
) -> tuple[TrialState, tuple[jax.Array, dict[str, jax.Array]]]:
    """One optimizer step of one trial, with divergence detection and freezing.

    Returns the next state and ``(loss, metrics)`` of this step, NaN once the trial diverged.
    """
    grad_fn = jax.value_and_grad(_objective(cfg, ts), has_aux=True)
    (loss, (mstate, metrics)), grads = grad_fn(ts.params, ts.model_state, batch)
    updates, opt_state = cfg.tx(ts.hparams).update(grads, ts.opt_state, ts.params)
    params = optax.apply_updates(ts.params, updates)

    loss = loss.astype(jnp.float32)
    loss0 = jnp.where(jnp.isnan(ts.loss0), loss, ts.loss0)
    flags = _judge(ts._replace(loss0=loss0), _is_bad(cfg, loss, loss0), jnp.maximum(t - 1, 0))
    diverged = flags["diverged"]
    moved = ts._replace(params=params, model_state=mstate, opt_state=opt_state, **flags)
    nxt = select(diverged, ts._replace(**flags), moved)
    nan = jnp.float32(jnp.nan)
    out_metrics = {k: jnp.where(diverged, nan, v.astype(jnp.float32)) for k, v in metrics.items()}
    return nxt, (jnp.where(diverged, nan, loss), out_metrics)


def _objective(cfg: StepConfig, ts: TrialState) -> Callable[..., Any]:
    """The training objective ``(params, model_state, batch)`` of trial ``ts``: the loss takes
    the trial's own columns when the problem names some (``Problem.hyperparams``)."""
    if not cfg.prob.hyperparams:
        return cfg.objective
    hp = {k: ts.hparams[k] for k in cfg.prob.hyperparams}
    return lambda p, s, b: cfg.objective(p, s, b, hp)


#: Floor of the divergence limit's scale (see the module docstring).
DIVERGE_FLOOR = 1.0


def _is_bad(cfg: StepConfig, loss: jax.Array, loss0: jax.Array) -> jax.Array:
    """Whether ``loss`` is non-finite or above the divergence limit of a run from ``loss0``."""
    limit = loss0 + cfg.diverge_factor * jnp.maximum(jnp.abs(loss0), DIVERGE_FLOOR)
    return ~jnp.isfinite(loss) | (loss > limit)


def _judge(ts: TrialState, bad: jax.Array, step: jax.Array) -> dict:
    """The divergence flags of ``ts`` after a judgement ``bad`` blaming the update ``step``."""
    return {
        "loss0": ts.loss0,
        "diverged": ts.diverged | bad,
        "diverged_at": jnp.where(bad & ~ts.diverged, step, ts.diverged_at).astype(jnp.int32),
    }


def final_judgement(
    cfg: StepConfig, state: TrialState, idx_t: jax.Array, slot: jax.Array, x, y, last: jax.Array
) -> TrialState:
    """Judge every trial's parameters after the run's last update (step ``last``, read from the
    batch rows ``idx_t``) for divergence.

    Non-finite parameters, or a training objective at those parameters on that same batch
    that is non-finite or above the limit, flag the trial with ``diverged_at = last``.
    """

    def loss(ts, batch):
        return _objective(cfg, ts)(ts.params, ts.model_state, batch)[0].astype(jnp.float32)

    losses = _per_trial(cfg, loss, state, idx_t, slot, x, y)
    bad = ~jax.vmap(all_finite)(state.params) | _is_bad(cfg, losses, state.loss0)
    return state._replace(**_judge(state, bad, jnp.broadcast_to(last, bad.shape)))


def measure_all(cfg: StepConfig, state: TrialState, x, y) -> tuple[TrialState, jax.Array]:
    """Every trial's sharpness ``[N]`` at its current parameters, warm-started (vmapped)."""
    xs, ys = (None, None) if cfg.prob.data is None else (x, y)

    def one(ts):
        carry, value = measure(
            cfg.sharpness, cfg.prob, ts.params, ts.model_state, ts.sharpness, ts.diverged,
            xs, ys, cfg.eval_batch_size,
        )  # fmt: skip
        return ts._replace(sharpness=carry), value

    return jax.vmap(one)(state)


def split_rows(
    cfg: StepConfig, state: TrialState, splits: tuple[tuple[str, bool, Any, Any], ...]
) -> dict[str, jax.Array]:
    """``{f"{name}_{m}": [N]}``: every trial's exact evaluation-mode metrics over each split
    ``(name, on, x, y)`` that is on (NaN for diverged trials)."""
    row = {}
    for name, on, xs, ys in splits:
        if on:
            got = jax.vmap(
                lambda p, s, xs=xs, ys=ys: evaluate_split(
                    cfg.prob, p, s, xs, ys, cfg.eval_batch_size
                )
            )(state.params, state.model_state)
            for k, v in got.items():
                row[f"{name}_{k}"] = jnp.where(state.diverged, jnp.nan, v.astype(jnp.float32))
    return row


def _gather(x: jax.Array, y: jax.Array, idx: jax.Array) -> tuple[jax.Array, jax.Array]:
    return jnp.take(x, idx, axis=0), jnp.take(y, idx, axis=0)


def _step_all(cfg: StepConfig, state: TrialState, t, idx_t, slot, x, y):
    """One step of every trial (vmapped), reading the batch rows ``idx_t``."""
    return _per_trial(cfg, lambda ts, b: train_step(cfg, ts, b, t), state, idx_t, slot, x, y)


def _per_trial(cfg: StepConfig, fn: Callable, state: TrialState, idx_t, slot, x, y):
    """``fn(ts, batch)`` for every trial (vmapped) on its batch of the rows ``idx_t``: the whole
    split (``"full"``), one gathered batch broadcast to all (``"shared"``), or each trial's
    seed's rows ``idx_t[slot]`` (``"per_seed"``, masked when trials have their own sizes)."""
    if cfg.batching == "full":
        batch = None if cfg.prob.data is None else (x, y)
        return jax.vmap(lambda ts: fn(ts, batch))(state)
    if cfg.batching == "shared":
        batch = _gather(x, y, idx_t)
        return jax.vmap(lambda ts: fn(ts, batch))(state)
    gather = gather_masked if cfg.masked else _gather
    return jax.vmap(lambda ts, s: fn(ts, gather(x, y, idx_t[s])))(state, slot)


def window_names(cfg: StepConfig) -> tuple[str, ...]:
    """The per-step values a window records: ``"loss"`` and the objective's metrics."""
    return ("loss", *(m for m in cfg.prob.metric_names if m != "loss"))


def make_steps(cfg: StepConfig, k: int):
    """Build ``steps(state, acc, clock, slot, batch_idx, x, y) -> (state, acc, clock)``:
    ``k`` training steps of every trial from step ``t``, their losses and metrics written into
    the window buffer ``acc`` (``{name: [S, N]}``) at rows ``pos .. pos + k - 1``, where
    ``clock = (t, pos)`` (int32 scalars, kept on the device and advanced by ``k``).

    ``batch_idx`` is ``[k, B]`` (shared), ``[k, S, B]`` (per seed) or ``[k]`` zeros (full
    batch), or with ``k == 1`` the whole window's ``[window_steps, ...]``, read at ``pos``;
    ``slot`` ``[N]`` int32 each trial's row of a per-seed table. With ``k == 1`` the program
    has no loop at all (XLA:CPU runs a convolution's gradients many times slower inside
    a loop than outside one, see :mod:`jaxscape.population.dispatch`); otherwise the steps are
    one ``lax.scan``.
    """

    def write(acc, pos, losses, metrics):
        out = dict(acc)
        for name, v in (("loss", losses), *metrics.items()):
            out[name] = jax.lax.dynamic_update_slice(acc[name], v.astype(jnp.float32), (pos, 0))
        return out

    def steps(state, acc, clock, slot, batch_idx, x, y):
        t, pos = clock
        if k == 1:  # batch_idx holds the whole window's rows: one host transfer per window
            idx_t = jax.lax.dynamic_index_in_dim(batch_idx, pos, keepdims=False)
            state, (loss, metrics) = _step_all(cfg, state, t, idx_t, slot, x, y)
            losses, metrics = loss[None], {m: v[None] for m, v in metrics.items()}
        else:

            def body(carry, idx_t):
                st, tt = carry
                st, out = _step_all(cfg, st, tt, idx_t, slot, x, y)
                return (st, tt + 1), out

            (state, _), (losses, metrics) = jax.lax.scan(body, (state, t), batch_idx, length=k)
        return state, write(acc, pos, losses, metrics), (t + k, pos + k)

    return steps


def make_record(cfg: StepConfig, stacked: bool = True):
    """Build ``record(state, acc, clock, t_end, (slot, batch_idx), (x, y, x_test, y_test,
    x_val, y_val)) -> (state, acc, clock, (row, diverged))``: the end of a recording window at
    step ``t`` (``clock = (t, pos)``; returned as ``(t, 0)`` for the next window, ``acc``
    unchanged for reuse). ``batch_idx`` is the window's batch rows (``[window_steps, ...]``, the
    layout of :func:`make_steps`'s; the final judgement reads the last step's),
    ``slot`` ``[N]`` each trial's row of a per-seed table.
    ``row`` values and ``diverged`` are ``[1, N]`` (one record), or ``[N]`` with
    ``stacked=False``.

    ``row`` maps every recorded metric to ``[N]``: the window means of the training losses and
    metrics in ``acc`` (NaN-skipping, as a trial that diverged inside the window stops
    recording), the sharpness, the optimizer's exposed values and the exact held-out
    evaluations; ``diverged`` ``[N]`` the trials' flags after it. A window that ends at
    ``t_end`` (when ``cfg.steps`` is not ``None``) first judges the parameters after the last
    update (see the module docstring):

    - non-finite parameters flag the trial;
    - with a validation split, the loss of this record's exact validation evaluation above the
      divergence limit flags it too (no second pass over data);
    - without one, the training objective on the window's last batch does
      (:func:`final_judgement`).
    """

    def held_rows(state, x_test, y_test, x_val, y_val):
        held = (("test", cfg.record_test, x_test, y_test), ("val", cfg.record_val, x_val, y_val))
        return split_rows(cfg, state, held)

    def judge(state, rows, t, t_end, slot, batch_idx, x, y):
        if cfg.steps is None:
            return state
        last = t == t_end
        if cfg.record_val:
            bad = ~jax.vmap(all_finite)(state.params) | _is_bad(cfg, rows["val_loss"], state.loss0)
            flags = _judge(state, last & bad, jnp.broadcast_to(t_end - 1, bad.shape))
            return state._replace(**flags)
        return jax.lax.cond(
            last,
            lambda st: final_judgement(cfg, st, batch_idx[-1], slot, x, y, t_end - 1),
            lambda st: st,
            state,
        )

    def record(state, acc, clock, t_end, window, data):
        (slot, batch_idx), (x, y, *held) = window, data
        t = clock[0]
        rows = held_rows(state, *held)
        state = judge(state, rows, t, t_end, slot, batch_idx, x, y)
        nan = jnp.float32(jnp.nan)
        row = {"train_loss": jnp.nanmean(acc["loss"], axis=0)}
        if cfg.sharpness is not None:
            state, row["sharpness"] = measure_all(cfg, state, x, y)
        for k, v in acc.items():
            if k != "loss":
                row[f"train_{k}"] = jnp.nanmean(v, axis=0)
        for k, v in exposed_scalars(state.opt_state).items():
            row[f"opt_{k}"] = jnp.where(state.diverged, nan, v.astype(jnp.float32))
        row.update({k: jnp.where(state.diverged, nan, v) for k, v in rows.items()})
        out = (row, jnp.copy(state.diverged))
        if stacked:
            out = jax.tree.map(lambda a: a[None], out)
        return state, acc, (t, jnp.zeros_like(t)), out

    return record


def make_advance(cfg: StepConfig, window_steps: int):
    """Build ``advance(state, clock, slot, t_end, batch_idx, x, y, *held) -> (state, clock,
    (rows, diverged))``: ``W`` whole windows in one compiled call, each ``window_steps`` steps
    in one ``lax.scan`` then its record (:func:`make_steps` and :func:`make_record` inside a
    ``lax.scan`` over windows), so a run of dense models costs a few dispatches in all.

    ``batch_idx`` is ``[W, window_steps, ...]`` (the layout of :func:`make_steps`'s, per window);
    ``rows`` maps every metric to ``[W, N]`` and ``diverged`` is ``[W, N]``.
    """
    steps, record = make_steps(cfg, window_steps), make_record(cfg, stacked=False)
    names = window_names(cfg)

    def advance(state, clock, slot, t_end, batch_idx, x, y, *held):
        n = slot.shape[0]
        acc0 = {k: jnp.zeros((window_steps, n), jnp.float32) for k in names}

        def window(carry, idx_w):
            state, clock = carry
            state, acc, clock = steps(state, acc0, clock, slot, idx_w, x, y)
            state, _, clock, out = record(state, acc, clock, t_end, (slot, idx_w), (x, y, *held))
            return (state, clock), out

        (state, clock), out = jax.lax.scan(window, (state, clock), batch_idx)
        return state, clock, out

    return advance
