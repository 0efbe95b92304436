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
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

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
