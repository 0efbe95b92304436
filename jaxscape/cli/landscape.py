"""``jaxscape landscape``: a line, an interpolation or a plane, saved with its plots.

Examples::

    jaxscape landscape --model cnn --width 0.25 --out out/line            # random line at init
    jaxscape landscape --from init.npz --to trained.npz --out out/final   # step 7's line
    jaxscape landscape --plane --resolution 41 --out out/plane            # random plane
    jaxscape landscape --train 300 --lr 0.1 --momentum 0.9 --plane --out out/trained
    jaxscape landscape --train 300 --pca --out out/pca      # the trajectory's PCA plane

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
from jaxscape._io import flatten_tree, load_npz, save_npz, unflatten_tree
from jaxscape.cli._common import add_problem_args, build_problem
from jaxscape.cli._train import TrainedRun, add_train_args, train_run
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
    trajectory_plane,
)
from jaxscape.landscape._tree import check_same_tree
from jaxscape.landscape.result import held_out_metric
from jaxscape.population.seed_weights import seed_weights
from jaxscape.problem import Problem


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``landscape`` subcommand."""
    p = subparsers.add_parser(
        "landscape",
        help="evaluate a loss landscape (line, interpolation or plane) and plot it",
        description="Evaluate a loss landscape exactly over the data, many points per compiled "
        "call: a line along a random filter-normalised direction from the initial weights "
        "(default), the interpolation between two weight files (--from/--to), or a plane "
        "(--plane). With --train STEPS it trains one run first and draws around the trained "
        "weights (--pca: the plane of the training trajectory's principal components, the "
        "path drawn on it). Writes the result (JSON + .npz) and PNG plots into --out.",
    )
    add_problem_args(p)
    _add_landscape_args(p)
    add_train_args(p)
    p.set_defaults(func=run)
    return p


def _add_landscape_args(p: argparse.ArgumentParser) -> None:
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
    g.add_argument(
        "--pca",
        action="store_true",
        help="with --train: the plane of the trajectory's two principal components, centred "
        "at the trained weights, with the path on it",
    )
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


def _report(res: LandscapeLine | LandscapeSurface, what: str, folder: Path, pngs: list) -> None:
    md = res.metadata
    print(
        f"{what}: {md['points']} points, {md['chunks']} chunk(s) of "
        f"{md['points_per_chunk']}, {md['seconds']:.2f} s"
    )
    print("\n".join(res.summary(held_out_metric(res.metrics)).splitlines()[1:]))
    print(f"  wrote {folder} (landscape.json, arrays.npz) and {', '.join(map(str, pngs))}")


def _save_surface(res: LandscapeSurface, out: Path, name: str, what: str) -> None:
    from jaxscape.plot.landscape import PLANE_KINDS

    res.save(out / name)
    pngs = [f"{name}_{kind}.png" for kind in PLANE_KINDS]
    for kind, png in zip(PLANE_KINDS, pngs, strict=True):
        res.plot(out / png, kind=kind)
    _report(res, what, out / name, pngs)


def _weights(args: argparse.Namespace, prob: Problem, seed: int, out: Path):
    """``(params_a, params_b, state, trained)``: the centre (or start), the end, the model
    state and the ``--train`` run (``None`` without it)."""
    init_params, state = seed_weights(prob, seed)  # the weights --train starts from
    if args.train is not None:
        if args.from_path is not None or args.to_path is not None:
            raise ValueError("--train draws around the weights it trains: drop --from/--to")
        run = train_run(prob, args, seed)
        save_npz(out / "initial.npz", flatten_tree(run.initial))
        save_npz(out / "trained.npz", flatten_tree(run.params))
        final = {k: float(v[0, -1]) for k, v in run.result.metrics.items()}
        print(
            f"trained {args.train} steps of {args.optimizer} (lr {args.lr:g}): "
            + ", ".join(f"{k} {v:.4g}" for k, v in final.items())
            + f"; wrote {out / 'initial.npz'} and {out / 'trained.npz'}"
        )
        return run.params, None, run.state, run
    if args.pca:
        raise ValueError("--pca needs a training trajectory: give --train STEPS")
    params_a = (
        init_params
        if args.from_path is None
        else load_weights(args.from_path, "--from", init_params)
    )
    params_b = None if args.to_path is None else load_weights(args.to_path, "--to", init_params)
    if args.from_path is not None and params_b is None and not args.plane:
        raise ValueError("--from needs --to for an interpolation (or --plane for a plane)")
    return params_a, params_b, state, None


def _plane(args, prob, params_a, params_b, key, common) -> LandscapeSurface:
    ignore = not args.keep_biasbn
    k_x, k_y = jax.random.split(jax.random.fold_in(key, 1))
    lo, hi = _span(args.span, (-0.5, 1.5) if params_b is not None else (-1.0, 1.0))
    if params_b is not None:
        dx = target_direction(params_a, params_b)
    else:
        dx = random_direction(params_a, k_x, args.normalization, ignore)
    dy = orthogonalize(random_direction(params_a, k_y, args.normalization, ignore), dx)
    coords = np.linspace(lo, hi, args.resolution)
    ys = coords if params_b is None else np.linspace(-1.0, 1.0, args.resolution)
    return plane(prob, params_a, dx, dy, coords, ys, label=f"{prob.name}: plane", **common)


def _line(args, prob, params_a, params_b, key, common) -> tuple[LandscapeLine, str]:
    if params_b is not None:
        lo, hi = _span(args.span, (-0.5, 1.5))
        res = interpolate(
            prob,
            params_a,
            params_b,
            np.linspace(lo, hi, args.points),
            state_a=common["state"],
            state_b=common["state"],
            label=f"{prob.name}: {args.from_path} -> {args.to_path}",
            **{k: v for k, v in common.items() if k != "state"},
        )
        return res, "interpolation"
    lo, hi = _span(args.span, (-1.0, 1.0))
    k_x = jax.random.split(jax.random.fold_in(key, 1))[0]
    d = random_direction(params_a, k_x, args.normalization, not args.keep_biasbn)
    where = "the trained weights" if args.train is not None else f"seed {args.seed}"
    res = line(
        prob,
        params_a,
        d,
        np.linspace(lo, hi, args.points),
        label=f"{prob.name}: random line ({where})",
        **common,
    )
    return res, f"line along a random {args.normalization}-normalised direction"


def _pca(args, prob, run: TrainedRun, common) -> LandscapeSurface:
    return trajectory_plane(
        prob,
        run.trajectory,
        resolution=args.resolution,
        ignore_biasbn=not args.keep_biasbn,
        label=f"{prob.name}: PCA plane of {args.train} {args.optimizer} steps",
        **common,
    )


def run(args: argparse.Namespace) -> int:
    """Handler of ``jaxscape landscape``."""
    seed = int(check_seed_values("--seed", args.seed))
    prob: Problem = build_problem(args)
    _span(args.span, (-1.0, 1.0))  # a bad --range is reported before anything trains
    out = Path(args.out)
    params_a, params_b, state, trained = _weights(args, prob, seed, out)
    splits = None if args.splits is None else tuple(s.strip() for s in args.splits.split(","))
    common = dict(
        state=state,
        splits=splits,
        batch_size=args.batch_size,
        points_per_chunk=args.points_per_chunk,
        progress=not args.no_progress,
    )
    key = jax.random.key(seed)
    if args.pca:
        _save_surface(_pca(args, prob, trained, common), out, "pca_plane", "PCA plane")
    if args.plane:
        _save_surface(_plane(args, prob, params_a, params_b, key, common), out, "plane", "plane")
    if not (args.plane or args.pca):
        res, what = _line(args, prob, params_a, params_b, key, common)
        res.save(out / "line")
        res.plot(out / "line.png")
        _report(res, what, out / "line", [out / "line.png"])
    return 0


if __name__ == "__main__":  # pragma: no cover
    from jaxscape.cli import main

    sys.exit(main(["landscape", *sys.argv[1:]]))
