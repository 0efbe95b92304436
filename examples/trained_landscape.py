"""Landscapes around what training found: a trained minimum's plane, and sharp against flat.

1. The filter-normalised plane around a trained minimum (Li et al. 2018), drawn by the command
   ``jaxscape landscape --train STEPS --plane`` itself: an MLP trained with SGD and momentum on
   the embedded digits, then the training loss at ``theta* + x dx + y dy`` for two random
   filter-normalised directions, as contour lines and as a 3-D surface (``trained_plane.png``).
2. Sharp against flat minima (Keskar et al. 2017): the same MLP trained to a similar training
   loss with SGD on mini-batches of 8 and on the full training split, one population each, then
   the loss along filter-normalised random directions around each minimum (the same directions'
   random draws, each normalised to its own minimum's filters). The large-batch minimum is the
   sharper one; filter normalisation makes the two widths comparable (``sharp_vs_flat.png``).

Run from the repository root (about a minute on a 2-core CPU)::

    python examples/trained_landscape.py                  # writes into out/trained_landscape
    python examples/trained_landscape.py --quick --out /tmp/t   # a smoke test (seconds)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import jax
import numpy as np

import jaxscape as js
from jaxscape.cli import main as jaxscape_main
from jaxscape.plot._style import PALETTE, finish, new_figure, style_axes
from jaxscape.plot.landscape import plot_lines, plot_plane

HIDDEN = 64


def trained_plane_command(out: Path, quick: bool) -> list[str]:
    """The ``jaxscape landscape`` command line behind ``trained_plane.png``."""
    steps, resolution = ("50", "5") if quick else ("2000", "41")
    return [
        "landscape",
        *("--model", "mlp", "--hidden", str(HIDDEN)),
        *("--train", steps, "--optimizer", "sgd", "--lr", "0.1", "--momentum", "0.9"),
        *("--train-batch-size", "32", "--plane", "--resolution", resolution, "--no-progress"),
        *("--out", str(out)),
    ]


def trained_plane(out: Path, quick: bool) -> js.landscape.LandscapeSurface:
    """Run the command, then draw its plane as contours and as a surface side by side."""
    argv = trained_plane_command(out / "trained", quick)
    print("$ jaxscape " + " ".join(argv))
    if jaxscape_main(argv) != 0:
        raise SystemExit("jaxscape landscape failed")
    surf = js.landscape.LandscapeSurface.load(out / "trained" / "plane")
    fig = new_figure(12.0, 5.0)
    title = f"MLP({HIDDEN}) on digits, {argv[argv.index('--train') + 1]} SGD steps"
    plot_plane(surf, kind="contour", ax=fig.add_subplot(1, 2, 1), title=title)
    ax3 = fig.add_subplot(1, 2, 2, projection="3d", computed_zorder=False)
    ax3.set_box_aspect(None, zoom=0.85)  # room for the z label
    plot_plane(surf, kind="surface", ax=ax3, title="the same plane as a surface (log scale)")
    finish(fig, out / "trained_plane.png")
    return surf


def minimum(prob: js.Problem, batch_size: int | None, steps: int, lr: float) -> Any:
    """Train one SGD run (a population of one); return its final weights."""
    res = js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": lr},
        steps=steps,
        batch_size=batch_size,
        keep_params=True,
        progress=False,
    )
    return jax.tree.map(lambda x: x[0], res.params)


def sharp_vs_flat(out: Path, quick: bool) -> list[js.landscape.LandscapeLine]:
    """Lines around a small-batch and a full-batch minimum along filter-normalised directions."""
    prob = js.Problem.from_model(js.models.MLP(hidden=(HIDDEN,)), js.data.digits())
    steps, points, directions = (50, 11, 1) if quick else (6000, 81, 3)
    alphas = np.linspace(-1.0, 1.0, points)
    lines = []
    for batch in (8, None):
        params = minimum(prob, batch, steps, lr=0.3)
        name = "batch 8" if batch else f"full batch ({prob.data.n_train})"
        for k in range(directions):
            d = js.landscape.random_direction(params, jax.random.key(100 + k))
            lines.append(js.landscape.line(prob, params, d, alphas, progress=False, label=name))
        mid = [(ln.value_at(0.5) + ln.value_at(-0.5)) / 2 for ln in lines[-directions:]]
        at = lines[-1]
        print(
            f"{name}: train loss {at.value_at(0.0):.4f} at the minimum, {np.mean(mid):.4f} at "
            f"alpha = +-0.5 on average over {directions} direction(s); test accuracy "
            f"{at.value_at(0.0, 'test_accuracy'):.4f}"
        )
    draw_sharp_vs_flat(lines, directions, f"{steps} SGD steps at lr 0.3", out / "sharp_vs_flat.png")
    return lines


def draw_sharp_vs_flat(lines: list, directions: int, what: str, path: Path) -> None:
    """Left: one direction per minimum (train and test); right: every direction, log scale."""
    fig = new_figure(12.0, 4.2)
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    firsts = lines[::directions]
    labels = [
        f"{ln.label}: train loss {ln.value_at(0.0):.2g}, test accuracy "
        f"{100 * ln.value_at(0.0, 'test_accuracy'):.1f}%"
        for ln in firsts
    ]
    plot_lines(firsts, labels=labels, ax=left, title=f"loss around each minimum ({what})")
    for i, ln in enumerate(lines):
        right.semilogy(
            ln.alphas,
            ln.metrics["train_loss"],
            color=PALETTE[i // directions],
            linewidth=1.2,
            label=ln.label if i % directions == 0 else None,
        )
    style_axes(
        right,
        xlabel="alpha (filter-normalised)",
        ylabel="train loss (log)",
        title=f"every direction ({directions} per minimum)",
    )
    right.legend(loc="upper center", frameon=False, fontsize=8)
    finish(fig, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out/trained_landscape")
    ap.add_argument("--quick", action="store_true", help="few steps and coarse grids")
    args = ap.parse_args(argv)
    out = Path(args.out)
    start = time.perf_counter()
    trained_plane(out, args.quick)
    sharp_vs_flat(out, args.quick)
    print(
        f"wrote {out / 'trained_plane.png'} and {out / 'sharp_vs_flat.png'} "
        f"in {time.perf_counter() - start:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
