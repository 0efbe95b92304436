"""The state of one trial; a population stacks it along a leading ``[N]`` axis."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp


class TrialState(NamedTuple):
    """Everything that evolves during one training run.

    Attributes:
      params: trained parameters (pytree).
      model_state: non-trained model variables (batch statistics, dropout RNG streams).
      opt_state: the optimizer's state.
      hparams: ``{name: float32 scalar}`` numeric hyperparameters of this trial. They live here,
        as data, so that a compiled step serves every value and search strategies (PBT) can edit
        them between chunks; the optimizer is rebuilt from them inside the step (free under jit).
      loss0: the first training loss seen (NaN before the first step); divergence is judged
        relative to it.
      diverged: True once the trial diverged; its state is then frozen.
      diverged_at: the step whose update diverged, ``-1`` if it has not (see ``step.py``).
      sharpness: the power iteration's warm start when the sweep measures sharpness,
        ``{"vector": unit vector shaped like params, "estimate": last value}``, else ``None``
        (see ``sharpness.py``); kept here so it persists across windows, chunks and
        checkpoints.
    """

    params: Any
    model_state: Any
    opt_state: Any
    hparams: dict[str, jax.Array]
    loss0: jax.Array
    diverged: jax.Array
    diverged_at: jax.Array
    sharpness: Any = None


def select(pred: jax.Array, on_true: Any, on_false: Any) -> Any:
    """Per-trial ``where`` over two pytrees of one trial (``pred`` is a scalar bool)."""

    def pick(a, b):
        if jax.dtypes.issubdtype(a.dtype, jax.dtypes.prng_key):
            return jax.random.wrap_key_data(
                jnp.where(pred, jax.random.key_data(a), jax.random.key_data(b)),
                impl=jax.random.key_impl(a),
            )
        return jnp.where(pred, a, b)

    return jax.tree.map(pick, on_true, on_false)
