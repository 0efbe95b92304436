"""Random-search throughput: jaxscape populations against Optuna's ordinary loop.

The same random search, side by side in one run: N configurations (learning rate log-uniform
in [1e-3, 1], momentum with 1 - momentum log-uniform in [0.01, 0.5]) x S SGD steps of an MLP
64-H-10 on the embedded digits (batch 64), each scored by its validation accuracy:

1. ``jaxscape.search.random_search``: one population of N trials (one compiled program), every
   trial recorded in an (in-memory) Optuna study;
2. ``study.optimize`` with a jitted JAX training run per trial (compiled once, on the first
   trial; learning rate and momentum are traced arguments);
3. ``study.optimize`` with a torch training run per trial (``torch.optim.SGD``).

Wall time includes compiling and Optuna's bookkeeping. Defaults: N = 256, S = 500 on an
accelerator, N = 64, S = 200 on a CPU.

Run: ``python benchmarks/search_throughput.py [--trials N --steps S --hidden H --no-torch]``

How well short runs rank (``--ranking``): Spearman's correlation between the validation
accuracy after 1, 3, 9, 27 steps and after ``--max-steps`` of ``--random-configs``
configurations, per seed.

Hyperband against random search (``--hyperband``, instead of the above): the same space and
MLP, Hyperband for ``R = --max-steps`` (27), ``--eta`` (3) and ``--min-steps`` (default
``R / eta ** 2``) given random search's budget of steps (its brackets, iteration after
iteration, that fit), random search with ``--random-configs`` (27) configurations x R steps
in batches of 9; the target is random
search's final (best) validation accuracy. For each seed (``--seeds``, 3) it records the
training steps and the wall time each strategy spent until its incumbent first reached the
target (Hyperband counts every rung's steps, :meth:`SearchResult.incumbent`), and reports the
medians; Hyperband meets the goal when it reaches the target in at most a third of random
search's total training steps.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np
import optuna

import jaxscape as js
from jaxscape import search
from jaxscape.bench._timing import environment, format_table, load_average

BATCH = 64
LR = (1e-3, 1.0)
MOMENTUM = (0.5, 0.99)


def parse_args() -> argparse.Namespace:
    accel = jax.default_backend() != "cpu"
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--trials", type=int, default=256 if accel else 64)
    p.add_argument("--steps", type=int, default=500 if accel else 200)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--hyperband", action="store_true", help="Hyperband against random search")
    p.add_argument("--ranking", action="store_true", help="how well short runs rank configs")
    p.add_argument("--max-steps", type=int, default=27)
    p.add_argument("--min-steps", type=int, default=None, help="Hyperband r_min (R / eta^2)")
    p.add_argument("--eta", type=int, default=3)
    p.add_argument("--random-configs", type=int, default=27)
    p.add_argument("--seeds", type=int, default=3)
    return p.parse_args()


def suggest(trial: optuna.Trial) -> tuple[float, float]:
    lr = trial.suggest_float("learning_rate", *LR, log=True)
    one_minus = trial.suggest_float("1-momentum", 1 - MOMENTUM[1], 1 - MOMENTUM[0], log=True)
    return lr, 1.0 - one_minus


def jaxscape_search(data, n: int, steps: int, hidden: int) -> tuple[float, float]:
    prob = js.Problem.from_model(js.models.MLP(hidden=(hidden,)), data)
    space = search.Space(
        {
            "learning_rate": search.log_uniform(*LR),
            "momentum": search.reverse_log_uniform(*MOMENTUM),
        }
    )
    tic = time.perf_counter()
    training = js.Training(steps=steps, batch_size=BATCH, progress=False)
    res = search.random_search(prob, space, training, budget=n, record=search.Record(test=False))
    wall = time.perf_counter() - tic
    # the same population through js.sweep, for the engine's compile / run split
    table = {k: [c[k] for c in res.configs] for k in ("learning_rate", "momentum")}
    sw = js.sweep(
        prob, js.optim.sgd, table, steps=steps, batch_size=BATCH, eval_every=steps, progress=False
    )
    print(
        f"  js.sweep of the same population: compile {sw.info['compile_s']:.2f} s, "
        f"run {sw.info['run_s']:.2f} s"
    )
    return wall, res.best()["score"]


def _arrays(data):
    tr, va = data.train, data.val
    x, xv = (np.asarray(s.x).reshape(len(s), -1) for s in (tr, va))
    return x, np.asarray(tr.y), xv, np.asarray(va.y)


def jax_loop(data, n: int, steps: int, hidden: int) -> tuple[float, float]:
    x, y, xv, yv = (jnp.asarray(a) for a in _arrays(data))
    idx = jnp.asarray(np.random.default_rng(0).integers(0, x.shape[0], (steps, BATCH)))
    k1, k2 = jax.random.split(jax.random.key(0))
    p0 = {
        "w1": jax.random.normal(k1, (x.shape[1], hidden)) / np.sqrt(x.shape[1]),
        "b1": jnp.zeros(hidden),
        "w2": jax.random.normal(k2, (hidden, 10)) / np.sqrt(hidden),
        "b2": jnp.zeros(10),
    }

    def logits(p, xb):
        return jax.nn.relu(xb @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]

    def loss(p, xb, yb):
        lp = jax.nn.log_softmax(logits(p, xb))
        return -jnp.mean(jnp.take_along_axis(lp, yb[:, None], 1))

    @jax.jit
    def train(lr, mu):
        def step(carry, i):
            p, m = carry
            g = jax.grad(loss)(p, x[i], y[i])
            m = jax.tree.map(lambda mm, gg: mu * mm + gg, m, g)
            return (jax.tree.map(lambda pp, mm: pp - lr * mm, p, m), m), None

        (p, _), _ = jax.lax.scan(step, (p0, jax.tree.map(jnp.zeros_like, p0)), idx)
        return jnp.mean(jnp.argmax(logits(p, xv), -1) == yv)

    def objective(trial):
        lr, mu = suggest(trial)
        return float(train(lr, mu))

    return _optimize(objective, n)


def torch_loop(data, n: int, steps: int, hidden: int) -> tuple[float, float]:
    import torch

    x, y, xv, yv = (torch.from_numpy(np.array(a)) for a in _arrays(data))
    y, yv = y.long(), yv.long()
    idx = torch.from_numpy(np.random.default_rng(0).integers(0, x.shape[0], (steps, BATCH)))

    def objective(trial):
        lr, mu = suggest(trial)
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
        )
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=mu)
        for i in idx:
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[i]), y[i]).backward()
            opt.step()
        with torch.no_grad():
            acc = (model(xv).argmax(-1) == yv).float().mean().item()
        return acc if np.isfinite(acc) else 0.0

    return _optimize(objective, n)


def _optimize(objective, n: int) -> tuple[float, float]:
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(0))
    tic = time.perf_counter()
    study.optimize(objective, n_trials=n)
    return time.perf_counter() - tic, study.best_value


def _reach(res: search.SearchResult, target: float) -> tuple[float, float]:
    """``(steps, wall s)`` spent until ``res``'s incumbent first reached ``target`` (NaN when
    it never did)."""
    steps, best = res.incumbent("steps")
    hit = np.flatnonzero(np.nan_to_num(best, nan=-np.inf) >= target)
    if not hit.size:
        return float("nan"), float("nan")
    return float(steps[hit[0]]), float(res.wall_time[hit[0]])


def hyperband_vs_random(data, args: argparse.Namespace) -> None:
    """Steps and wall time for Hyperband and random search to reach random search's final
    validation accuracy, per seed and as medians; both get the same budget of steps."""
    prob = js.Problem.from_model(js.models.MLP(hidden=(args.hidden,)), data)
    space = search.Space(
        {
            "learning_rate": search.log_uniform(*LR),
            "momentum": search.reverse_log_uniform(*MOMENTUM),
        }
    )
    r, n = args.max_steps, args.random_configs
    print(
        f"Hyperband (R = {r}, eta = {args.eta}, min_steps = {args.min_steps or 'default'}, "
        f"budget {n * r} steps) against random search ({n} x {r} steps, batches of 9), "
        f"MLP 64-{args.hidden}-10 on digits, batch {BATCH}, {args.seeds} seeds"
    )
    rows, ratio = [], []
    for seed in range(args.seeds):
        training = js.Training(steps=r, batch_size=BATCH, seeds=(seed,), progress=False)
        record = search.Record(test=False)
        tic = time.perf_counter()
        rnd = search.random_search(prob, space, training, budget=n, batch=9, record=record)
        rnd_s = time.perf_counter() - tic
        tic = time.perf_counter()
        hb = search.hyperband(
            prob,
            space,
            training,
            eta=args.eta,
            min_steps=args.min_steps,
            budget=n * r,
            record=record,
        )
        hb_s = time.perf_counter() - tic
        target = rnd.best()["score"]
        (rs, rw), (hs, hw) = _reach(rnd, target), _reach(hb, target)
        total = float(rnd.resource.sum())
        ratio.append(hs / total if np.isfinite(hs) else np.inf)  # never reached: inf
        rows.append(
            [
                seed,
                round(target, 4),
                int(total),
                int(rs),
                round(rw, 1),
                round(rnd_s, 1),
                int(hb.resource.sum()),
                round(hb.best()["score"], 4),
                hs,
                round(hw, 1),
                round(hb_s, 1),
                round(hs / total, 3),
            ]
        )
    med = np.median(np.asarray([row[1:] for row in rows], dtype=float), axis=0)
    rows.append(["median", *(round(float(v), 4) for v in med)])
    head = ["seed", "target", "random steps", "random: steps to target", "random: s to target"]
    head += ["random s", "HB steps", "HB best", "HB: steps to target", "HB: s to target"]
    head += ["HB s", "HB / random steps"]
    print(format_table(head, rows))
    met = float(np.median(ratio)) <= 1 / 3
    print(
        f"goal (Hyperband reaches random search's final score with <= 1/3 of its training "
        f"steps, median over seeds): {'met' if met else 'NOT met'}"
    )


def ranking(data, args: argparse.Namespace) -> None:
    """How well a short run ranks configurations: Spearman's correlation between the validation
    accuracy after ``r`` steps and after ``R = --max-steps`` steps, for ``--random-configs``
    configurations of the space (one population, recorded every step), per seed."""
    prob = js.Problem.from_model(js.models.MLP(hidden=(args.hidden,)), data)
    space = search.Space(
        {
            "learning_rate": search.log_uniform(*LR),
            "momentum": search.reverse_log_uniform(*MOMENTUM),
        }
    )
    r_max, n = args.max_steps, args.random_configs
    shorts = [r for r in (1, 3, 9, 27, 81) if r < r_max]
    rows = []
    for seed in range(args.seeds):
        configs = space.sample(n, seed=seed)
        table = {k: [c[k] for c in configs] for k in ("learning_rate", "momentum")}
        res = js.sweep(
            prob,
            js.optim.sgd,
            table,
            steps=r_max,
            batch_size=BATCH,
            seed=seed,
            eval_every=1,
            progress=False,
        )
        acc = res.metrics["val_accuracy"]
        final = _ranks(acc[:, -1])
        rows.append([seed, *(round(_spearman(_ranks(acc[:, r - 1]), final), 3) for r in shorts)])
    print(format_table(["seed", *(f"rho(r={r}, R={r_max})" for r in shorts)], rows))


def _ranks(x: np.ndarray) -> np.ndarray:
    x = np.where(np.isfinite(x), x, -np.inf)
    return np.argsort(np.argsort(x, kind="stable"), kind="stable").astype(np.float64)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def main() -> None:
    args = parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    data = js.data.digits()
    for k, v in environment().items():
        print(f"{k}: {v}")
    if args.ranking:
        ranking(data, args)
        return
    if args.hyperband:
        hyperband_vs_random(data, args)
        print(f"load average after: {load_average()}")
        return
    print(
        f"random search: {args.trials} configurations x {args.steps} steps, MLP 64-"
        f"{args.hidden}-10 on digits, batch {BATCH}"
    )
    runs = {
        "jaxscape populations (random_search)": jaxscape_search,
        "Optuna study.optimize, jitted JAX per trial": jax_loop,
    }
    if not args.no_torch:
        runs["Optuna study.optimize, torch per trial"] = torch_loop
    got = {name: fn(data, args.trials, args.steps, args.hidden) for name, fn in runs.items()}
    base = got["jaxscape populations (random_search)"][0]
    rows = [
        [name, round(wall, 2), round(args.trials / wall, 2), f"{wall / base:.2f}x", round(best, 4)]
        for name, (wall, best) in got.items()
    ]
    head = ["variant", "wall s", "trials/s", "time vs jaxscape", "best val accuracy"]
    print(format_table(head, rows))
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
