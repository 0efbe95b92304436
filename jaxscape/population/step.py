"""The compiled functions of a population: initialise trials, and advance them k steps.

``advance(state, slot, t0, batch_idx, x, y, x_test, y_test, x_val, y_val)`` is
``scan(windows, scan(steps, vmap(train_step)))``: one compiled call moves every trial of a
chunk through several evaluation windows; each window ends with the metrics of the window
reduced on the device (and, when there are test/validation splits, an exact evaluation of
them), so only ``[windows, N]`` numbers come back to the host.

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
``T`` (``t_end``) they are judged once more: non-finite parameters, or an exact loss
over the whole training split (evaluation mode) that is non-finite or above the limit,
flag the trial with ``diverged_at = T - 1``. A diverged trial is frozen at the parameters
that diverged; every metric it records from then on, on every split, is NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import jax
import jax.numpy as jnp
import optax

from jaxscape.evaluation import all_finite, evaluate_split
from jaxscape.optim.exposed import exposed_scalars
from jaxscape.population._batch_mask import gather_masked, masked_objective
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
      eval_batch_size: data batch for the exact held-out (and final training) evaluations.
      record_test: evaluate the test split at the end of each window.
      record_val: evaluate the validation split at the end of each window (as the test split).
      group: trials advanced together by ``vmap``; a chunk of more trials runs its groups one
        after another with ``lax.map`` inside the same compiled call (each group's working set
        then stays in a CPU's cache). ``None``: the whole chunk is one ``vmap``.
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
    group: int | None = None
    record_val: bool = False
    steps: int | None = None
    sharpness: Sharpness | None = None
    masked: bool = False

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
    """Initial state of ``N`` trials.

    Args:
      hparams: ``{name: [N] float32}``.
      seeds: ``[S]`` integer seeds, the distinct seeds of the chunk; seed ``s`` initialises with
        ``jax.random.key(s)``.
      slot: ``[N]`` int32, the index into ``seeds`` of each trial's seed.
    """
    keys = jax.vmap(jax.random.key)(seeds)
    params_s, mstate_s = jax.vmap(cfg.prob.init)(keys)
    params = jax.tree.map(lambda a: a[slot], params_s)
    mstate = jax.tree.map(lambda a: a[slot], mstate_s)
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
    objective = cfg.objective
    if cfg.prob.hyperparams:  # the loss takes the trial's own columns (Problem.hyperparams)
        hp = {k: ts.hparams[k] for k in cfg.prob.hyperparams}
        objective = lambda p, s, b: cfg.objective(p, s, b, hp)
    grad_fn = jax.value_and_grad(objective, has_aux=True)
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
    cfg: StepConfig, ts: TrialState, x: jax.Array, y: jax.Array, last: jax.Array
) -> TrialState:
    """Judge the parameters after a run's last update (step ``last``) for divergence.

    Non-finite parameters, or an exact evaluation-mode loss over the training split ``(x, y)``
    that is non-finite or above the limit, flag the trial with ``diverged_at = last``.
    """
    loss = evaluate_split(cfg.prob, ts.params, ts.model_state, x, y, cfg.eval_batch_size)["loss"]
    bad = ~all_finite(ts.params) | _is_bad(cfg, loss.astype(jnp.float32), ts.loss0)
    return ts._replace(**_judge(ts, bad, jnp.asarray(last, jnp.int32)))


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


def make_advance(cfg: StepConfig, window_steps: int):
    """Build ``advance(state, slot, t0, t_end, batch_idx, x, y, *held) -> (state, rows)``.

    ``held`` is ``(x_test, y_test, x_val, y_val)``. ``t0`` is the step count before the call
    and ``t_end`` the run's last step count (an int32 array, so runs that continue from a
    saved state share the program): a window ending at ``t_end`` judges the parameters after
    the last update (when ``cfg.steps`` is not ``None``).
    ``slot`` is ``[N]`` int32, each trial's row in the per-seed batch table. ``batch_idx`` is
    ``[W, window_steps, B]`` (shared), ``[W, window_steps, S, B]`` (per seed) or
    ``[W, window_steps]`` zeros (full batch, ignored). ``rows`` maps every recorded metric name
    to ``[W, N]``.
    """
    prob = cfg.prob

    def step_all(carry, idx_t, slot, x, y):
        state, t = carry
        if cfg.batching == "full":
            batch = None if prob.data is None else (x, y)
            fn = jax.vmap(lambda ts: train_step(cfg, ts, batch, t))
            state, out = fn(state)
        elif cfg.batching == "shared":
            batch = _gather(x, y, idx_t)
            state, out = jax.vmap(lambda ts: train_step(cfg, ts, batch, t))(state)
        else:
            gather = gather_masked if cfg.masked else _gather
            fn = jax.vmap(lambda ts, s: train_step(cfg, ts, gather(x, y, idx_t[s]), t))
            state, out = fn(state, slot)
        return (state, t + 1), out

    def window(carry, idx_w, slot, t_end, x, y, x_test, y_test, x_val, y_val):
        (state, t), (losses, metrics) = jax.lax.scan(
            lambda c, i: step_all(c, i, slot, x, y), carry, idx_w, length=window_steps
        )
        if cfg.steps is not None:
            state = jax.lax.cond(
                t == t_end,
                lambda st: jax.vmap(lambda ts: final_judgement(cfg, ts, x, y, t_end - 1))(st),
                lambda st: st,
                state,
            )
        row = {"train_loss": jnp.nanmean(losses, axis=0)}
        if cfg.sharpness is not None:
            state, row["sharpness"] = measure_all(cfg, state, x, y)
        for k, v in metrics.items():
            row[f"train_{k}"] = jnp.nanmean(v, axis=0)
        for k, v in exposed_scalars(state.opt_state).items():
            row[f"opt_{k}"] = jnp.where(state.diverged, jnp.nan, v.astype(jnp.float32))
        held = (("test", cfg.record_test, x_test, y_test), ("val", cfg.record_val, x_val, y_val))
        row.update(split_rows(cfg, state, held))
        return (state, t), row

    def run(state, slot, t0, t_end, batch_idx, x, y, *held):
        (state, _), rows = jax.lax.scan(
            lambda c, i: window(c, i, slot, t_end, x, y, *held), (state, t0), batch_idx
        )
        return state, rows

    def advance(state, slot, t0, t_end, batch_idx, x, y, *held):
        n = slot.shape[0]
        group = cfg.group
        if group is None or group >= n:
            return run(state, slot, t0, t_end, batch_idx, x, y, *held)
        if n % group:
            raise ValueError(f"chunk of {n} trials is not a multiple of the group ({group})")

        def split(a):
            return a.reshape(n // group, group, *a.shape[1:])

        def one_group(args):
            st, sl = args
            return run(st, sl, t0, t_end, batch_idx, x, y, *held)

        state, rows = jax.lax.map(one_group, (jax.tree.map(split, state), split(slot)))
        state = jax.tree.map(lambda a: a.reshape(n, *a.shape[2:]), state)
        # [groups, W, group] -> [W, N]
        rows = jax.tree.map(lambda r: jnp.moveaxis(r, 0, 1).reshape(r.shape[1], n), rows)
        return state, rows

    return advance
