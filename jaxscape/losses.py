"""Per-example losses and metrics used by model problems.

Each function maps model outputs ``[B, k]`` and targets ``[B]`` (labels or scalar targets) or
``[B, k]`` to per-example values ``[B]``; problems average them over a batch.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

LOSSES = ("cross_entropy", "mse")


def cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """``-log softmax(logits)[label]`` per example: ``[B, C], [B] -> [B]``."""
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels)


def mse(outputs: jax.Array, targets: jax.Array, num_classes: int | None = None) -> jax.Array:
    """Squared error summed over output units, per example: ``[B, k] -> [B]``.

    Integer labels with ``num_classes`` are one-hot encoded first (MSE on classes). Scalar
    targets ``[B]`` are compared with the single output column ``[B, 1]``.
    """
    if num_classes is not None:
        targets = jax.nn.one_hot(targets, num_classes, dtype=outputs.dtype)
    elif targets.ndim == outputs.ndim - 1:
        targets = targets[..., None]
    return jnp.sum((outputs - targets) ** 2, axis=-1)


def accuracy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """1.0 where ``argmax(logits) == label``, else 0.0: ``[B, C], [B] -> [B]``."""
    return (jnp.argmax(logits, axis=-1) == labels).astype(jnp.float32)


def weighted_mean(values: jax.Array, weights: jax.Array) -> jax.Array:
    """``sum_i w_i v_i / sum_i w_i`` over the batch: ``[B], [B] -> []``.

    With 0/1 weights it is the mean over the rows whose weight is 1 (a masked batch); the
    weights must not all be 0.

    >>> import jax.numpy as jnp
    >>> float(weighted_mean(jnp.array([1.0, 3.0, 100.0]), jnp.array([1.0, 1.0, 0.0])))
    2.0
    """
    weights = weights.astype(values.dtype)
    return jnp.sum(values * weights) / jnp.sum(weights)
