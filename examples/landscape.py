"""Loss landscapes of a small CNN on the embedded digits: the seven-step recipe's line searches.

1. Train ``js.models.CNN(width=0.25)`` for a few hundred steps with a short optax loop of our
   own, keeping the parameters every few steps as the trajectory.
2. Step 1 of the recipe: the line along a random filter-normalised direction from the
   initial weights.
3. Step 7: the line from the initial to the trained weights (and a bit beyond both ends).
4. The plane of the trajectory's two principal components, with the trajectory drawn on it.
5. A gallery page of the lines, to keep beside those of other projects.

Run from the repository root (about a minute on a 2-core CPU)::

    python examples/landscape.py            # writes into out/landscape
    python examples/landscape.py my/folder
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jax
import numpy as np
import optax

import jaxscape as js
from jaxscape.plot.gallery import gallery
from jaxscape.plot.landscape import plot_line, plot_lines, plot_plane


def train(prob, params, state, key, steps=400, batch_size=64, save_every=10, lr=0.05):
    """Plain SGD with momentum on random mini-batches; returns the final weights and trajectory."""
    tx = optax.sgd(lr, momentum=0.9)
    opt = tx.init(params)
    x, y = prob.data.train.x, prob.data.train.y

    @jax.jit
    def step(params, state, opt, idx):
        grad_fn = jax.value_and_grad(prob.objective, has_aux=True)
        (loss, (state, _)), grads = grad_fn(params, state, (x[idx], y[idx]))
        updates, opt = tx.update(grads, opt, params)
        return optax.apply_updates(params, updates), state, opt, loss

    trajectory = [params]
    for t in range(steps):
        idx = jax.random.choice(jax.random.fold_in(key, t), len(x), (batch_size,), replace=False)
        params, state, opt, loss = step(params, state, opt, idx)
        if (t + 1) % save_every == 0:
            trajectory.append(params)
        if (t + 1) % 100 == 0:
            print(f"  step {t + 1}: training loss {float(loss):.3f}")
    return params, state, trajectory


def main(out: str = "out/landscape") -> None:
    out_dir = Path(out)
    start = time.perf_counter()
    prob = js.Problem.from_model(js.models.CNN(width=0.25), js.data.digits())
    key = jax.random.key(0)
    init_params, state = prob.init(key)
    print(f"{prob.name}: {prob.num_params} parameters; training...")
    trained, state, trajectory = train(prob, init_params, state, jax.random.fold_in(key, 1))

    # Step 1: a random filter-normalised direction from the initial weights.
    d = js.landscape.random_direction(init_params, jax.random.fold_in(key, 2))
    initial = js.landscape.line(
        prob,
        init_params,
        d,
        np.linspace(-1, 1, 201),
        state=state,
        label="CNN(0.25) on digits: random line at init",
    )
    initial.save(out_dir / "initial_line")
    plot_line(initial, path=out_dir / "initial_line.png")

    # Step 7: from the initial to the trained weights, and a bit beyond both ends.
    final = js.landscape.interpolate(
        prob,
        init_params,
        trained,
        np.linspace(-0.5, 1.5, 201),
        state_a=state,
        label="CNN(0.25) on digits: init -> trained",
    )
    final.save(out_dir / "final_line")
    plot_line(final, path=out_dir / "final_line.png")
    plot_lines(
        [initial, final],
        labels=["random direction at init", "init -> trained"],
        path=out_dir / "lines.png",
    )

    # The plane of the trajectory's principal components, trajectory drawn in.
    surf = js.landscape.trajectory_plane(
        prob, trajectory, resolution=41, state=state, label="CNN(0.25) on digits: PCA plane"
    )
    surf.save(out_dir / "pca_plane")
    plot_plane(surf, kind="contour", path=out_dir / "pca_plane_contour.png")
    plot_plane(surf, kind="surface", path=out_dir / "pca_plane_surface.png")

    page = gallery(
        [initial, final, surf], out_dir / "gallery.html", title="jaxscape example: CNN on digits"
    )

    a, v = final.minimum("test_loss")
    print(
        f"final line: test loss {final.value_at(0.0, 'test_loss'):.3f} at init, "
        f"{final.value_at(1.0, 'test_loss'):.3f} trained, minimum {v:.3f} at alpha = {a:.2f}; "
        f"test accuracy {final.value_at(1.0, 'test_accuracy'):.3f} trained"
    )
    ev = surf.explained_variance
    print(
        f"PCA plane: {100 * ev[0]:.1f}% + {100 * ev[1]:.1f}% of the trajectory's variance; "
        f"{surf.metrics['train_loss'].size} points in {surf.metadata['seconds']:.1f} s"
    )
    print(f"wrote {out_dir}/*.png and {page} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main(*sys.argv[1:2])
