"""The metrics of a population's starting point: the step-0 column of ``record_initial``.

For every trial of a chunk, at its initial parameters:

- ``train_<m>``: the exact evaluation-mode mean of metric ``m`` over the whole training split
  (not a mean over mini-batches as the later records are; ``prob.evaluate`` for a full-batch
  problem without data);
- ``test_<m>`` / ``val_<m>``: the exact evaluation over those splits, as every record computes
  them;
- ``opt_<name>``: what the optimizer state exposes (see :mod:`jaxscape.optim.exposed`);
- ``sharpness`` (when measured): from the random start, ``first_iters`` products (see
  :mod:`jaxscape.population.sharpness`).

A trial whose parameters are not finite records NaN (see
:func:`jaxscape.evaluation.evaluate_split`). What only a training window measures (the
``sharpness`` of ``sharpness.py``) is NaN at step 0.

Trials that start from their seed's initial weights (every fresh run) share those weights, so
the split metrics are computed per seed, not per trial: :func:`make_seed_eval` evaluates one
seed's weights (one program per problem, whatever the optimizer: a procedure's populations of
several optimizers compile it once, and each seed is evaluated once per process), and
:func:`make_initial_rows` spreads them to the trials beside their optimizer's exposed values.
A continued run (``start``) or one that measures sharpness evaluates its trials' own states
(:func:`make_initial`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxscape.evaluation import evaluate_split
from jaxscape.optim.exposed import exposed_scalars
from jaxscape.population.state import TrialState
from jaxscape.population.step import StepConfig, measure_all, split_rows


def make_initial(cfg: StepConfig):
    """Build ``initial(state, x, y, x_test, y_test, x_val, y_val) -> rows``.

    ``state`` holds ``N`` trials; ``rows`` maps every recorded metric name to ``[1, N]`` (one
    record, the layout of a window's record), returned with the ``[1, N]`` divergence flags
    (none at step 0).
    """

    def one_group(state: TrialState, x, y, x_test, y_test, x_val, y_val) -> dict:
        splits = (
            ("train", True, x, y),
            ("test", cfg.record_test, x_test, y_test),
            ("val", cfg.record_val, x_val, y_val),
        )
        row = split_rows(cfg, state, splits)  # nothing has diverged at step 0
        for k, v in exposed_scalars(state.opt_state).items():
            row[f"opt_{k}"] = v.astype(jnp.float32)
        if cfg.sharpness is not None:  # from the random start (the windows keep their own)
            row["sharpness"] = measure_all(cfg, state, x, y)[1]
        return row

    def initial(state: TrialState, *data) -> tuple[dict, jax.Array]:
        out = (one_group(state, *data), jnp.zeros_like(state.diverged))
        return jax.tree.map(lambda a: a[None], out)

    return initial


def make_seed_eval(cfg: StepConfig):
    """Build ``seed_eval(params, model_state, x, y, x_test, y_test, x_val, y_val) -> {name:
    scalar}``: the exact ``train_<m>`` (and ``test_<m>``, ``val_<m>`` when recorded) metrics of
    one seed's initial weights, unbatched over trials (the program depends on the problem and
    what is recorded only)."""

    def seed_eval(params, model_state, x, y, x_test, y_test, x_val, y_val) -> dict:
        splits = (
            ("train", True, x, y),
            ("test", cfg.record_test, x_test, y_test),
            ("val", cfg.record_val, x_val, y_val),
        )
        row = {}
        for name, on, xs, ys in splits:
            if on:
                got = evaluate_split(cfg.prob, params, model_state, xs, ys, cfg.eval_batch_size)
                row.update({f"{name}_{k}": v.astype(jnp.float32) for k, v in got.items()})
        return row

    return seed_eval


def make_initial_rows(cfg: StepConfig):
    """Build ``initial_rows(state, per_seed, slot) -> (rows, diverged)``: the step-0 record of
    ``N`` trials started from their seeds' weights. ``per_seed`` is ``[{name: scalar}]``, one
    :func:`make_seed_eval` result per seed slot; ``slot`` ``[N]`` each trial's slot. ``rows``
    and ``diverged`` are ``[1, N]`` as :func:`make_initial`'s."""

    def initial_rows(state: TrialState, per_seed: list, slot: jax.Array) -> tuple[dict, jax.Array]:
        stacked = jax.tree.map(lambda *v: jnp.stack(v), *per_seed)
        row = {k: v[slot] for k, v in stacked.items()}
        for k, v in exposed_scalars(state.opt_state).items():
            row[f"opt_{k}"] = v.astype(jnp.float32)
        out = (row, jnp.zeros_like(state.diverged))
        return jax.tree.map(lambda a: a[None], out)

    return initial_rows
