"""``jaxscape landscape``: a line, an interpolation or a plane, saved with its plots.

Examples::

    jaxscape landscape --model cnn --width 0.25 --out out/line            # random line at init
    jaxscape landscape --from init.npz --to trained.npz --out out/final   # step 7's line
    jaxscape landscape --plane --resolution 41 --out out/plane            # random plane

Weight files are ``.npz`` files of flattened parameters, as written by
``jaxscape._io.save_npz(path, jaxscape._io.flatten_tree(params))``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import jax
import numpy as np

from jaxscape._checks import check_seed_values
from jaxscape._io import load_npz, unflatten_tree
from jaxscape.cli._common import add_problem_args, build_problem
from jaxscape.landscape import (
    NORMALIZATIONS,
    LandscapeLine,
    LandscapeSurface,
    interpolate,
    line,
    orthogonalize,
    plane,
    random_direction,
    target_direction,
)
from jaxscape.landscape._tree import check_same_tree
from jaxscape.problem import Problem


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``landscape`` subcommand."""
    p = subparsers.add_parser(
        "landscape",
        help="evaluate a loss landscape (line, interpolation or plane) and plot it",
        description="Evaluate a loss landscape exactly over the data, many points per compiled "
        "call: a line along a random filter-normalised direction from the initial weights "
        "(default), the interpolation between two weight files (--from/--to), or a plane "
        "(--plane). Writes the result (JSON + .npz) and PNG plots into --out.",
    )
    add_problem_args(p)
    g = p.add_argument_group("landscape")
    g.add_argument("--seed", type=int, default=0, help="seed of the initial weights and directions")
    g.add_argument(
        "--from",
        dest="from_path",
        default=None,
        metavar="A.npz",
        help="start weights (default: the model's initial weights for --seed)",
    )
    g.add_argument(
        "--to",
        dest="to_path",
        default=None,
        metavar="B.npz",
        help="end weights: interpolate from --from to here (a plane's x direction)",
    )
    g.add_argument("--plane", action="store_true", help="a 2-D plane instead of a line")
    g.add_argument("--points", type=int, default=201, help="points of a line (default 201)")
    g.add_argument(
        "--range",
        dest="span",
        default=None,
        metavar="LO:HI",
        help="coordinate range (default -1:1, interpolations -0.5:1.5)",
    )
    g.add_argument("--resolution", type=int, default=41, help="points per plane axis (41)")
    g.add_argument(
        "--normalization",
        default="filter",
        choices=NORMALIZATIONS,
        help="random direction normalisation (default filter)",
    )
    g.add_argument(
        "--keep-biasbn",
        action="store_true",
        help="move biases and norm parameters too (default: they stay fixed)",
    )
    g.add_argument("--splits", default=None, help="'train', 'test' or 'train,test' (default: all)")
    g.add_argument("--batch-size", type=int, default=1024, help="data batch size (1024)")
    g.add_argument(
        "--points-per-chunk",
        type=int,
        default=None,
        help="cap on points per compiled call (default: sized to memory)",
    )
    g.add_argument("--out", default="out/landscape", help="output folder (out/landscape)")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def _span(text: str | None, default: tuple[float, float]) -> tuple[float, float]:
    if text is None:
        return default
    try:
        lo, hi = (float(v) for v in text.split(":"))
    except ValueError:
        raise ValueError(f"--range must be LO:HI, e.g. -1:1, got {text!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo >= hi:
        raise ValueError(f"--range must have finite LO < HI, got {text!r}")
    return lo, hi


def load_weights(path: str, flag: str, reference: Any) -> Any:
    """Parameters from a flattened ``.npz``, checked against the problem's parameters."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{flag}: {file} does not exist")
    params = unflatten_tree(load_npz(file))
    check_same_tree(flag, params, "the model's parameters", reference)
    return jax.tree.map(lambda x: np.asarray(x, np.float32), params)


def _print_line(res: LandscapeLine, what: str) -> None:
    metric = "test_loss" if "test_loss" in res.metrics else "train_loss"
    a, v = res.minimum(metric)
    print(
        f"{what}: {res.metrics[metric].size} points, {res.metadata['chunks']} chunk(s) of "
        f"{res.metadata['points_per_chunk']}, {res.metadata['seconds']:.2f} s"
    )
    print(f"  min {metric} {v:.4g} at alpha = {a:.4g}")
    for alpha in (0.0, 1.0):
        value = res.value_at(alpha, metric)
        if np.isfinite(value):
            extra = ""
            if "test_accuracy" in res.metrics:
                extra = f", test_accuracy {res.value_at(alpha, 'test_accuracy'):.4g}"
            print(f"  at alpha = {alpha:g}: {metric} {value:.4g}{extra}")


def _print_plane(res: LandscapeSurface) -> None:
    metric = "test_loss" if "test_loss" in res.metrics else "train_loss"
    x, y, v = res.minimum(metric)
    ny, nx = res.metrics[metric].shape
    print(
        f"plane: {ny} x {nx} points, {res.metadata['chunks']} chunk(s) of "
        f"{res.metadata['points_per_chunk']}, {res.metadata['seconds']:.2f} s"
    )
    print(f"  min {metric} {v:.4g} at (x, y) = ({x:.4g}, {y:.4g})")
    if 0.0 in res.xs and 0.0 in res.ys:
        i, j = list(res.ys).index(0.0), list(res.xs).index(0.0)
        print(f"  at the centre: {metric} {res.metrics[metric][i, j]:.4g}")


def run(args: argparse.Namespace) -> int:
    """Handler of ``jaxscape landscape``."""
    from jaxscape.plot.landscape import PLANE_KINDS, plot_line, plot_plane

    seed = int(check_seed_values("--seed", args.seed))
    prob: Problem = build_problem(args)
    key = jax.random.key(seed)
    init_params, state = prob.init(key)
    params_a = (
        init_params
        if args.from_path is None
        else load_weights(args.from_path, "--from", init_params)
    )
    params_b = None if args.to_path is None else load_weights(args.to_path, "--to", init_params)
    if args.from_path is not None and params_b is None and not args.plane:
        raise ValueError("--from needs --to for an interpolation (or --plane for a plane)")
    splits = None if args.splits is None else tuple(s.strip() for s in args.splits.split(","))
    common = dict(
        state=state,
        splits=splits,
        batch_size=args.batch_size,
        points_per_chunk=args.points_per_chunk,
        progress=not args.no_progress,
    )
    ignore = not args.keep_biasbn
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    k_x, k_y = jax.random.split(jax.random.fold_in(key, 1))
    if args.plane:
        lo, hi = _span(args.span, (-0.5, 1.5) if params_b is not None else (-1.0, 1.0))
        if params_b is not None:
            dx = target_direction(params_a, params_b)
        else:
            dx = random_direction(params_a, k_x, args.normalization, ignore)
        dy = orthogonalize(random_direction(params_a, k_y, args.normalization, ignore), dx)
        coords = np.linspace(lo, hi, args.resolution)
        ys = coords if params_b is None else np.linspace(-1.0, 1.0, args.resolution)
        res = plane(prob, params_a, dx, dy, coords, ys, label=f"{prob.name}: plane", **common)
        res.save(out / "plane")
        pngs = []
        for kind in PLANE_KINDS:
            name = f"plane_{kind}.png"
            plot_plane(res, kind=kind, path=out / name)
            pngs.append(name)
        _print_plane(res)
        print(f"  wrote {out / 'plane'} (landscape.json, arrays.npz) and {', '.join(pngs)}")
        return 0
    if params_b is not None:
        lo, hi = _span(args.span, (-0.5, 1.5))
        res = interpolate(
            prob,
            params_a,
            params_b,
            np.linspace(lo, hi, args.points),
            state_a=state,
            state_b=state,
            label=f"{prob.name}: {args.from_path} -> {args.to_path}",
            **{k: v for k, v in common.items() if k != "state"},
        )
        what = "interpolation"
    else:
        lo, hi = _span(args.span, (-1.0, 1.0))
        d = random_direction(params_a, k_x, args.normalization, ignore)
        res = line(
            prob,
            params_a,
            d,
            np.linspace(lo, hi, args.points),
            label=f"{prob.name}: random line (seed {args.seed})",
            **common,
        )
        what = f"line along a random {args.normalization}-normalised direction"
    res.save(out / "line")
    plot_line(res, path=out / "line.png")
    _print_line(res, what)
    print(f"  wrote {out / 'line'} (landscape.json, arrays.npz) and {out / 'line.png'}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    from jaxscape.cli import main

    sys.exit(main(["landscape", *sys.argv[1:]]))
