"""Per-step cost of the hypergradient optimizers against their plain versions, side by side.

Pairs: ``sgd`` vs ``sgd_hd``, ``sgd(momentum=0.9)`` vs ``sgd_hd(momentum=0.9)``, the same
with Nesterov, and ``adam`` vs ``adam_hd``, on the parameter tree of the MLP 784-128-10
(101,770 float32 parameters in 4 leaves). Two workloads, each a jitted ``lax.scan`` of
``--steps`` steps (so dispatch is paid once, as in the engine):

* ``update``: the optimizer update and ``apply_updates`` alone, on a fixed gradient;
* ``train step``: forward and backward pass of the MLP on a batch of ``--batch`` examples of
  784 features (cross-entropy, 10 classes), then the update;
* ``population``: the train step of ``--trials`` trials at once, vmapped, one learning rate
  per trial (the optimizer is built inside the vmapped step, as in ``jaxscape.sweep``).

The hypergradient adds one dot product over all parameters, a pass over the gradient and the
previous direction (and, for Nesterov, one stored buffer), before the step can use the new
rate. The two variants of a pair are timed interleaved, repeat by repeat; ``ms/step`` is the
median over ``--repeats`` repeats, ``min`` the fastest repeat, ``ratio`` the HD median over
the plain median (on a loaded machine the ratio of the fastest repeats is the steadier one).
``XLA bytes/flops ratio``: HD over plain in XLA's cost analysis of one compiled step (memory
traffic and arithmetic the compiler plans; the same on every run of one backend).

Run (a few minutes on a 2-core CPU):

    python benchmarks/hypergradient_overhead.py
    python benchmarks/hypergradient_overhead.py --steps 200 --repeats 21 --batch 128
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _timing
import jax
import jax.numpy as jnp
import optax

import jaxscape.optim as jo

SIZES = (784, 128, 10)
PAIRS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "SGD": (lambda lr: jo.sgd(lr), lambda lr: jo.sgd_hd(lr, 1e-3)),
    "SGD momentum 0.9": (
        lambda lr: jo.sgd(lr, momentum=0.9),
        lambda lr: jo.sgd_hd(lr, 1e-3, momentum=0.9),
    ),
    "SGD Nesterov 0.9": (
        lambda lr: jo.sgd(lr, momentum=0.9, nesterov=True),
        lambda lr: jo.sgd_hd(lr, 1e-3, momentum=0.9, nesterov=True),
    ),
    "Adam": (lambda lr: jo.adam(lr), lambda lr: jo.adam_hd(lr, 1e-7)),
}
WORKLOADS = ("update", "train step", "population")


def mlp_params(key: jax.Array) -> list[jax.Array]:
    """``[w1, b1, w2, b2]`` of the 784-128-10 MLP (float32)."""
    k1, k2 = jax.random.split(key)
    return [
        jax.random.normal(k1, SIZES[:2]) / SIZES[0] ** 0.5,
        jnp.zeros(SIZES[1]),
        jax.random.normal(k2, SIZES[1:]) / SIZES[1] ** 0.5,
        jnp.zeros(SIZES[2]),
    ]


def mlp_loss(params: list[jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
    w1, b1, w2, b2 = params
    logits = jax.nn.relu(x @ w1 + b1) @ w2 + b2
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def runner(make: Callable[..., Any], workload: str, args) -> Callable[[], Any]:
    """One call: ``args.steps`` scanned steps of ``workload``; params and state carried.

    ``population`` is the train step of ``args.trials`` trials vmapped (one learning rate
    each, the optimizer built inside the vmapped step, as the engine does).
    """
    key = jax.random.PRNGKey(0)
    params = mlp_params(key)
    grads = jax.tree.map(lambda p: jnp.full_like(p, 1e-4), params)
    x = jax.random.normal(key, (args.batch, SIZES[0]))
    y = jax.random.randint(key, (args.batch,), 0, SIZES[2])

    def step(lr, p, state):
        g = grads if workload == "update" else jax.grad(mlp_loss)(p, x, y)
        updates, state = make(lr).update(g, state, p)
        return optax.apply_updates(p, updates), state

    if workload == "population":
        lrs = jnp.geomspace(1e-3, 1e-1, args.trials)
        params = jax.tree.map(lambda p: jnp.broadcast_to(p, (args.trials, *p.shape)), params)
        state = jax.vmap(lambda lr, p: make(lr).init(p))(lrs, params)
        step = jax.vmap(step)
    else:
        lrs, state = jnp.float32(0.01), make(0.01).init(params)

    @jax.jit
    def advance(p, state):
        def body(carry, _):
            return step(lrs, *carry), None

        return jax.lax.scan(body, (p, state), None, length=args.steps)[0]

    box = [(params, state)]

    def run():
        box[0] = advance(*box[0])
        return box[0]

    return run, step_cost(jax.jit(functools.partial(step, lrs)), params, state)


def step_cost(step: Callable[..., Any], *args: Any) -> dict[str, float]:
    """XLA's cost analysis of one compiled step: ``flops`` and ``bytes accessed``."""
    cost = step.lower(*args).compile().cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
    return {k: float(cost.get(k, 0.0)) for k in ("flops", "bytes accessed")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="scanned steps per call")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--trials", type=int, default=8, help="trials of the population")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    args = parser.parse_args(argv)
    env = _timing.environment()
    print(", ".join(f"{k} {v}" for k, v in env.items()))
    n = sum(p.size for p in mlp_params(jax.random.PRNGKey(0)))
    print(f"MLP 784-128-10: {n:,} parameters; {args.steps} scanned steps per call\n")
    rows = []
    for workload in args.workloads.split(","):
        for name, (plain, hd) in PAIRS.items():
            (run_plain, cost_plain), (run_hd, cost_hd) = (
                runner(plain, workload, args),
                runner(hd, workload, args),
            )
            runs = {"plain": run_plain, "hd": run_hd}
            t = _timing.measure_interleaved(runs, warmup=args.warmup, repeats=args.repeats)
            xla = {k: cost_hd[k] / cost_plain[k] for k in cost_plain}
            ms = {
                k: (1e3 * v.median / args.steps, 1e3 * v.minimum / args.steps) for k, v in t.items()
            }
            ratio = t["hd"].median / t["plain"].median
            ratio_min = t["hd"].minimum / t["plain"].minimum
            rows.append(
                [
                    workload,
                    name,
                    *ms["plain"],
                    *ms["hd"],
                    f"{ratio:.2f}x",
                    f"{ratio_min:.2f}x",
                    f"{xla['bytes accessed']:.2f}x",
                    f"{xla['flops']:.3f}x",
                ]
            )
    headers = [
        "workload",
        "optimizer",
        "plain ms/step",
        "plain min",
        "HD ms/step",
        "HD min",
        "ratio",
        "ratio of mins",
        "XLA bytes ratio",
        "XLA flops ratio",
    ]
    print(_timing.format_table(headers, rows))


if __name__ == "__main__":
    main()
