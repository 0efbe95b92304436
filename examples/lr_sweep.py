"""Sweep 256 learning rates (with and without momentum) on the embedded digits; save the plots.

    python examples/lr_sweep.py [OUT_DIR]

An MLP 64-128-10 trains for 400 steps (batch 64) with each of 256 log-spaced learning rates from
1e-4 to 10, once with SGD and once with momentum 0.9: 512 runs in one compiled population. The
figure shows the classic valley: too small a rate barely moves, too large fails or diverges.
Momentum 0.9 multiplies the effective step by about 1 / (1 - 0.9) = 10, so accuracy starts to rise
at rates ten times smaller, while the cliff moves down only about twofold.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import jaxscape as js


def main(out: Path) -> None:
    prob = js.Problem.from_model(js.models.MLP(hidden=(128,)), js.data.digits())
    table = js.grid(learning_rate=np.geomspace(1e-4, 10.0, 256), momentum=[0.0, 0.9])
    tic = time.perf_counter()
    res = js.sweep(prob, js.optim.sgd, table, steps=400, batch_size=64, eval_every=20)
    print(
        f"{res.n_trials} runs of {prob.name} in {time.perf_counter() - tic:.1f} s "
        f"(compile {res.info['compile_s']:.1f} s)"
    )
    print(res.summary())
    res.save(out)
    js.plot.plot_final(
        res,
        "test_accuracy",
        path=out / "lr_sweep.png",
        title="digits, MLP 64-128-10: held-out accuracy after 400 steps",
    )
    js.plot.plot_curves(res, "train_loss", path=out / "lr_sweep_curves.png")
    print(f"wrote {out}/lr_sweep.png and {out}/lr_sweep_curves.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out/lr_sweep"))
