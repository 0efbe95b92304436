"""Sharpness, the top eigenvalue of the loss Hessian, measured for every trial of a population.

At the end of every recording window the engine runs a few steps of power iteration on
Hessian-vector products (:func:`jaxscape._hvp.loss_hvp`) for each trial, ``vmap``-ed over the
trials:

    ``w = H v``,  ``lambda = v . w``,  ``v <- w / ||w||``

``H`` is the Hessian of the mean loss over a fixed subset of the training split (its first
``subset`` rows; the whole problem for a full-batch problem without data) at the trial's
current parameters. The loss is the problem's evaluation-mode loss (no dropout; running
batch statistics held fixed), so the estimate is deterministic; for a model without dropout
or batch normalisation it is the objective being trained. The reported value is the Rayleigh
quotient ``v . H v`` of the last iterate before its final normalisation.

Each trial keeps its vector ``v`` in its state (:attr:`TrialState.sharpness`), so the next
measurement starts from the last one (a warm start): the top eigenvector moves little between
windows, and ``iters`` products suffice where a cold start needs ``first_iters``. The first
vector is a standard normal draw from ``jax.random.key(seed)`` (the same for every trial),
scaled to unit norm.

Power iteration converges to the eigenvector of largest ``|lambda|``. Near a minimum, and
along training at the edge of stability, that is the largest (positive) eigenvalue, the
sharpness of Cohen et al. (2021); where a negative eigenvalue is larger in magnitude (early in
training, at a saddle) the estimate is that negative value. A trial that diverged records NaN
and keeps its vector.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from jaxscape._checks import check_positive_int
from jaxscape._hvp import loss_hvp
from jaxscape.evaluation import all_finite
from jaxscape.problem import Problem


@dataclass(frozen=True)
class Sharpness:
    """What :func:`jaxscape.sweep` measures as the metric ``sharpness`` ``[N, T]``.

    Attributes:
      subset: rows of the training split (the first ``subset``) whose mean loss's Hessian is
        measured; ``None``: the whole training split. Ignored without data.
      iters: power-iteration steps (Hessian-vector products) per measurement, warm-started.
      first_iters: steps of the first measurement, from the random start.
      seed: the key of the random start, ``jax.random.key(seed)``.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(jnp.array([1.0, 4.0]) * p**2),
      ...                             jnp.ones(2))
      >>> res = js.sweep(prob, js.optim.sgd, {"learning_rate": [0.1]}, steps=4, eval_every=2,
      ...                sharpness=js.Sharpness(iters=20), progress=False)
      >>> res.metrics["sharpness"].round(4).tolist()   # the top eigenvalue of diag(1, 4)
      [[4.0, 4.0]]
    """

    subset: int | None = 1000
    iters: int = 5
    first_iters: int = 20
    seed: int = 0

    def __post_init__(self):
        if self.subset is not None:
            object.__setattr__(self, "subset", check_positive_int("Sharpness.subset", self.subset))
        for name in ("iters", "first_iters"):
            object.__setattr__(
                self, name, check_positive_int(f"Sharpness.{name}", getattr(self, name))
            )
        object.__setattr__(
            self, "seed", check_positive_int("Sharpness.seed", self.seed, allow_zero=True)
        )

    def check(self, prob: Problem) -> None:
        """Refuse a ``subset`` larger than ``prob``'s training split (``ValueError``)."""
        n = 0 if prob.data is None else prob.data.n_train
        if prob.data is not None and self.subset is not None and self.subset > n:
            raise ValueError(
                f"Sharpness.subset ({self.subset}) exceeds the {n} training rows; pass a "
                "smaller subset, or None for the whole training split"
            )


def _dot(a: Any, b: Any) -> jax.Array:
    parts = jax.tree.map(lambda u, w: jnp.vdot(u.astype(jnp.float32), w.astype(jnp.float32)), a, b)
    return sum(jax.tree.leaves(parts), jnp.float32(0.0))


def initial_carry(sh: Sharpness, params: Any) -> dict[str, Any]:
    """``{"vector": unit random v shaped like params, "estimate": NaN}`` for one trial."""
    leaves, treedef = jax.tree.flatten(params)
    keys = jax.random.split(jax.random.key(sh.seed), len(leaves))
    v = [jax.random.normal(k, p.shape, jnp.float32) for k, p in zip(keys, leaves, strict=True)]
    v = jax.tree.unflatten(treedef, v)
    norm = jnp.sqrt(_dot(v, v))
    v = jax.tree.map(lambda a, p: (a / norm).astype(p.dtype), v, params)
    return {"vector": v, "estimate": jnp.float32(jnp.nan)}


def with_vectors(trials: Any, sh: Sharpness) -> Any:
    """``trials`` (a stacked ``TrialState``) with a power-iteration start for every trial
    when it has none (a state saved by a sweep that did not measure sharpness)."""
    if trials.sharpness is not None:
        return trials
    return trials._replace(sharpness=jax.vmap(lambda p: initial_carry(sh, p))(trials.params))


def measure(
    sh: Sharpness,
    prob: Problem,
    params: Any,
    state: Any,
    carry: dict[str, Any],
    diverged: jax.Array,
    x: jax.Array | None,
    y: jax.Array | None,
    batch_size: int,
) -> tuple[dict[str, Any], jax.Array]:
    """One trial's sharpness at ``params``: the next carry and the estimate (NaN if diverged).

    ``x, y`` is the training split (``None`` without data); its first ``sh.subset`` rows
    are used. ``sh.first_iters`` steps while ``carry["estimate"]`` is NaN, else ``sh.iters``.
    """
    if x is not None and sh.subset is not None:
        x, y = x[: sh.subset], y[: sh.subset]
    first = jnp.isnan(carry["estimate"])
    count = jnp.where(diverged, 0, jnp.where(first, sh.first_iters, sh.iters))

    def body(_, vl):
        v, _ = vl
        w = loss_hvp(prob, params, state, v, x, y, batch_size)
        lam = _dot(v, w)
        norm = jnp.sqrt(_dot(w, w))
        return jax.tree.map(lambda a, p: (a / norm).astype(p.dtype), w, v), lam

    v, lam = jax.lax.fori_loop(0, count, body, (carry["vector"], carry["estimate"]))
    ok = ~diverged & jnp.isfinite(lam) & all_finite(v)
    vector = jax.tree.map(lambda new, old: jnp.where(ok, new, old), v, carry["vector"])
    value = jnp.where(ok, lam, jnp.nan)
    return {"vector": vector, "estimate": jnp.where(ok, lam, carry["estimate"])}, value
