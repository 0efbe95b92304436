"""Bring your own model and loss: a flax linen network with batch norm and dropout, trained with
label smoothing, where label smoothing and the dropout rate are table columns swept in ONE
population (one compiled program) beside the learning rate.

The loss receives the trial's values as traced scalars (``hp``), the step's dropout key and the
batch statistics (``Problem.from_custom_loss``); the columns never reach the optimizer. Prints
the trials ranked on validation accuracy and saves the result (``sweep.json``,
``metrics.npz``, ``trials.csv``) into ``--out``.

Run from the repository root::

    python examples/bring_your_own_linen.py          # 4 x 3 x 2 = 24 trials, 2 epochs
    python examples/bring_your_own_linen.py --quick  # 2 x 2 x 1 trials, 10 steps (CI)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

import jaxscape as js


class Net(nn.Module):
    """MLP 64 -> 128 -> 10 with batch norm; dropout at a rate given per call (a traced value,
    so it is written out here: ``nn.Dropout`` needs a Python rate)."""

    @nn.compact
    def __call__(self, x, rate, train: bool):
        h = nn.Dense(128)(x.reshape(len(x), -1))
        h = nn.relu(nn.BatchNorm(use_running_average=not train)(h))
        if train:
            keep = jax.random.bernoulli(self.make_rng("dropout"), 1.0 - rate, h.shape)
            h = jnp.where(keep, h / (1.0 - rate), 0.0)
        return nn.Dense(10)(h)


NET = Net()


def init(key):
    variables = NET.init(key, jnp.zeros((1, 8, 8, 1)), 0.0, False)
    return variables["params"], {"batch_stats": variables["batch_stats"]}


def loss(params, state, batch, key, hp):
    """Smoothed cross-entropy; ``key is None`` in evaluation mode (running statistics)."""
    x, y = batch
    variables = {"params": params, **state}
    if key is None:
        logits = NET.apply(variables, x, 0.0, False)
    else:
        logits, state = NET.apply(
            variables, x, hp["dropout_rate"], True, rngs={"dropout": key}, mutable=["batch_stats"]
        )
    target = optax.smooth_labels(jax.nn.one_hot(y, 10), hp["label_smoothing"])
    value = optax.softmax_cross_entropy(logits, target).mean()
    return value, state, {"accuracy": (logits.argmax(-1) == y).mean()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out/bring_your_own")
    ap.add_argument("--quick", action="store_true", help="4 trials, 10 steps")
    args = ap.parse_args(argv)
    data = js.data.digits()
    prob = js.Problem.from_custom_loss(
        init, loss, data, hyperparams=("label_smoothing", "dropout_rate"), name="linen MLP"
    )
    if args.quick:
        table, steps = js.grid(label_smoothing=[0.0, 0.1], dropout_rate=[0.0, 0.3]), 10
        table["learning_rate"] = 0.1
    else:
        table = js.grid(
            label_smoothing=[0.0, 0.05, 0.1, 0.2],
            dropout_rate=[0.0, 0.1, 0.3],
            learning_rate=[0.03, 0.1],
        )
        steps = 2 * prob.steps_per_epoch(32)
    tic = time.perf_counter()
    optimizer = js.models.table_factory(prob, js.optim.sgd)
    res = js.sweep(prob, optimizer, table, steps=steps, batch_size=32, progress=False)
    print(res.summary())
    print(f"{res.n_trials} trials, one population: {time.perf_counter() - tic:.1f} s")
    res.save(Path(args.out))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
