"""Random search, coarse to fine, TPE and Hyperband on the same budget, on the digits CNN.

    python examples/search.py [OUT_DIR] [--quick]

The space is the seeds' conditional one: solver in {SGD with momentum, Adam (b1, b2), RMSProp
(decay), Adadelta (rho)}, learning-rate policy in {fixed, exponential (gamma), inverse (gamma,
power), step (gamma, step size)}; every configuration holds exactly the parameters of its
branches. Each strategy gets the same budget of configurations x training steps; each batch of
configurations trains as one population per structure (solver x policy). Every choice is made
on the validation split; the best configuration of each strategy is scored on the test split
once, at the end. The incumbent figure (best validation accuracy so far against training steps
spent and against wall time) is written to OUT_DIR/search_incumbent.png.

Hyperband (``search.hyperband``, R = the others' steps per configuration, eta = 3, shortest
rung R / 9) runs the brackets, iteration after iteration, that fit in the same budget of
training steps (skipping one that would overrun it); its rungs figure (every configuration's
validation accuracy against the steps it trained, survivors' paths going on) is written to
OUT_DIR/search_rungs.png.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jaxscape as js
from jaxscape import search
from jaxscape.plot._style import new_figure, save_figure
from jaxscape.plot.search import plot_incumbent, plot_rungs

SEEDS_SPACE = search.seeds_space()


def main(out: Path, quick: bool = False) -> dict[str, search.SearchResult]:
    width, budget, steps, batch = (0.25, 4, 10, 4) if quick else (0.5, 32, 100, 16)
    prob = js.Problem.from_model(js.models.CNN(width=width), js.data.digits())
    training = js.Training(steps=steps, batch_size=64, progress=False)
    rounds = budget // batch
    runs = {
        "random": lambda: search.random_search(
            prob, SEEDS_SPACE, training, budget=budget, batch=batch
        ),
        "coarse-to-fine": lambda: search.coarse_to_fine(
            prob, SEEDS_SPACE, training, rounds=rounds, per_round=batch, top=2
        ),
        "tpe": lambda: search.optuna_search(
            prob, SEEDS_SPACE, training, sampler="tpe", budget=budget, batch=batch // 2
        ),
        "hyperband": lambda: search.hyperband(
            prob, SEEDS_SPACE, training, eta=3, budget=budget * steps
        ),
    }
    results = {}
    for name, run in runs.items():
        tic = time.perf_counter()
        res = run()
        best = res.best()
        print(
            f"{name:>15}: {res.n_trials} trials, {int(res.resource.sum())} steps in "
            f"{time.perf_counter() - tic:6.1f} s; "
            f"best val_accuracy {best['score']:.4f}, its test_accuracy "
            f"{best['test'].get('test_accuracy', float('nan')):.4f}: {best['config']}"
        )
        results[name] = res
        res.save(out / name)
    fig = new_figure(11.0, 3.8)
    plot_incumbent(results, ax=fig.add_subplot(1, 2, 1), title=f"{prob.name}: same budget")
    plot_incumbent(results, against="wall_time", ax=fig.add_subplot(1, 2, 2), title=" ")
    save_figure(fig, out / "search_incumbent.png")
    plot_rungs(results["hyperband"], path=out / "search_rungs.png")
    print(f"wrote {out}/search_incumbent.png and {out}/search_rungs.png")
    return results


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(Path(args[0]) if args else Path("out/search"), quick="--quick" in sys.argv)
