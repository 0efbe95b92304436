"""Population based training against random search and Hyperband on one budget (teacher MLP).

    python examples/pbt.py [--quick] [--out DIR]

Both strategies train the same number of members for the same number of steps (the same total
training steps) on the teacher set (4,000 rows of 64 uniform features labelled by a random
teacher MLP into 10 classes, where tuning matters more than on the digits) with an MLP
64-64-10, SGD with momentum, learning rate log-uniform in [1e-3, 1]
and momentum ``reverse_log_uniform(0.5, 0.99)``. Random search is one :func:`jaxscape.sweep`
over configurations drawn from the space; PBT (:func:`jaxscape.search.pbt`, Ray Tune's
defaults) starts from the same draw and every ``interval`` steps replaces the worst quarter of
its members by perturbed copies of the best quarter; Hyperband (:func:`jaxscape.search.hyperband`,
eta = 3, R = the run's steps) runs the brackets that fit the same total training steps
(:func:`jaxscape.search.brackets_within`). All are ranked on the validation split;
the winner of each is scored on the test split once. The PBT winner's schedule is then replayed
as one fresh run (:func:`jaxscape.search.replay_schedule`) with another seed. Figure
DIR/pbt.png (default DIR: docs/images): the incumbents (best validation loss of the population
so far) against total training steps, PBT's lineage, and the winner's learned schedules.

An MLP rather than the CNN of the issue: the CNN's full run takes too long on a shared 2-core
CPU; the comparison is the same code with ``js.models.CNN()`` on image-shaped data.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import jaxscape as js
from jaxscape import search
from jaxscape.plot._style import PALETTE, new_figure, save_figure, style_axes
from jaxscape.plot.pbt import plot_lineage, plot_schedules

SPACE = search.Space(
    {
        "learning_rate": search.log_uniform(1e-3, 1.0),
        "momentum": search.reverse_log_uniform(0.5, 0.99),
    }
)


def incumbent(steps: np.ndarray, curves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(total steps spent [T], best validation loss so far [T])`` of a population."""
    safe = np.where(np.isfinite(curves), curves, np.inf)
    return steps * curves.shape[0], np.minimum.accumulate(safe.min(axis=0))


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 members x 60 steps")
    ap.add_argument("--out", type=Path, default=Path("docs/images"))
    args = ap.parse_args(argv)
    n, steps, interval, hidden = (8, 60, 15, (16,)) if args.quick else (32, 2000, 100, (64,))
    data = js.data.teacher(n_train=4000, n_test=1000, input_shape=(64,), hidden=64)
    prob = js.Problem.from_model(js.models.MLP(hidden=hidden), data)
    kw = {"batch_size": 32, "eval_every": interval // 5}
    configs = SPACE.sample(n, seed=0)
    table = {k: np.asarray([c[k] for c in configs]) for k in SPACE.spec}
    rand = js.sweep(prob, js.optim.sgd, table, steps=steps, progress=False, **kw)
    training = js.Training(steps=steps, progress=False, **kw)
    by_loss = js.Judging(metric="val_loss")
    res = search.pbt(
        prob, js.optim.sgd, SPACE, training, population=n, exploit=interval, judging=by_loss
    )
    hb = search.hyperband(
        prob,
        SPACE,
        training.replace(eval_every=None),
        eta=3,
        budget=n * steps,
        judging=by_loss,
        record=search.Record(test=False),
    )
    out = {"Hyperband": float(hb.best()["score"])}
    print(
        f"Hyperband: best val loss {out['Hyperband']:.4f}"
        f"  ({hb.n_trials} rung evaluations, {int(hb.resource.sum())} steps)"
    )
    r_best = int(np.nanargmin(np.where(rand.diverged, np.nan, rand.metrics["val_loss"][:, -1])))
    p_best = res.best()["member"]
    for name, metrics, i in (("random", rand.metrics, r_best), ("PBT", res.metrics, p_best)):
        out[name] = float(metrics["val_loss"][i, -1])
        print(
            f"{name:>7}: best val loss {out[name]:.4f}, its val acc "
            f"{metrics['val_accuracy'][i, -1]:.4f}, test acc {metrics['test_accuracy'][i, -1]:.4f}"
            f"  ({n} members x {steps} steps)"
        )
    print(res.summary(top=3))
    replay = res.replay(prob, js.optim.sgd, seed=1)
    out["replay"] = replay.replay_final
    print(
        f" replay: the winner's schedule from scratch (seed 1): val loss {replay.replay_final:.4f}"
        f" (PBT reached {replay.pbt_final:.4f})"
    )
    fig = new_figure(14.0, 3.6)
    ax = fig.subplots(1, 4)
    for j, (name, r) in enumerate((("random search", rand), ("PBT", res))):
        x, y = incumbent(r.steps, r.metrics["val_loss"])
        ax[0].plot(x, y, color=PALETTE[j], label=name)
    x, y = hb.incumbent("steps")
    ax[0].step(x, y, where="post", color=PALETTE[2], label="Hyperband")
    ax[0].set_yscale("log")
    ax[0].legend()
    style_axes(
        ax[0],
        xlabel="total training steps",
        ylabel="best validation loss so far",
        title=f"same budget: {n} x {steps} steps",
    )
    plot_lineage(res, ax=ax[1])
    plot_schedules(res, top=1, ax=ax[2], name="learning_rate")
    plot_schedules(res, top=1, ax=ax[3], name="momentum")
    save_figure(fig, args.out / "pbt.png")
    print(f"wrote {args.out / 'pbt.png'}")
    return out


if __name__ == "__main__":
    main()
