"""Optimizer update throughput: jaxscape vs optax vs torch.optim, side by side in one run.

A thin user of :func:`jaxscape.bench.update_throughput` (the same code as
``jaxscape bench optimizers``): for each optimizer (jaxscape's and optax's Adam, SGD and SGD
with momentum 0.9 by default) and each size, one update is timed as a 100-leaf pytree
(``tree``, and ``donated``) and as one flat donated buffer (``flat``), beside torch.optim's
``foreach`` and ``fused`` versions, with the device's copy bandwidth measured in the same run.
Bytes moved are counted from the shapes of the parameters, gradients and optimizer state
(Adam in float32: 28 bytes per parameter; jaxscape's SGD keeps its momentum buffer even at
momentum 0, 20 bytes, where optax's and torch's plain SGD move 12).

Defaults follow the device: 1M and 16.8M parameters on a CPU (about a minute), 1M to 1.07B on
an accelerator. Writes ``optimizers.json``, ``.csv`` and ``.png`` into ``--out``.

    python benchmarks/optimizer_throughput.py
    python benchmarks/optimizer_throughput.py --sizes 1M,16.8M,134M,1.07B --repeats 10
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

# torch and JAX share an accelerator here: JAX must not reserve most of its memory up front
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

import jax

from jaxscape.bench import update_throughput

OPTIMIZERS = "adam,optax.adam,sgd,optax.sgd,momentum,optax.momentum"


def main(argv: list[str] | None = None) -> None:
    accel = jax.default_backend() != "cpu"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1M,16.8M,134M,1.07B" if accel else "1M,16.8M")
    parser.add_argument("--optimizers", default=OPTIMIZERS)
    parser.add_argument("--variants", default="tree,donated,flat")
    parser.add_argument("--leaves", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--no-torch", action="store_true", help="no torch.optim peers")
    parser.add_argument("--out", type=Path, default=Path("out/bench"))
    args = parser.parse_args(argv)
    split = lambda text: [s.strip() for s in text.split(",") if s.strip()]
    res = update_throughput(
        split(args.optimizers),
        split(args.sizes),
        leaves=args.leaves,
        variants=split(args.variants),
        repeats=args.repeats,
        warmup=args.warmup,
        torch_peers=not args.no_torch,
    )
    res.save(args.out)
    res.plot(args.out / "optimizers.png")
    print(res.summary())


if __name__ == "__main__":
    main()
