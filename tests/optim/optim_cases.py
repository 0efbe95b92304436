"""Shared test problems for the optimizer tests: a small random pytree, a gradient that depends
on the parameters, jaxscape runs (jit + scan, hyperparameters traced) and torch.optim runs."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import torch

import jaxscape.optim as jo

SHAPES = ((3, 4), (5,), ())
STEPS = 30

# jaxscape keyword -> torch keyword (betas are joined separately)
_TORCH_NAMES = {"learning_rate": "lr", "decay": "alpha"}
TORCH_CLASSES = {
    "sgd": torch.optim.SGD,
    "adagrad": torch.optim.Adagrad,
    "rmsprop": torch.optim.RMSprop,
    "adadelta": torch.optim.Adadelta,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "adamax": torch.optim.Adamax,
    "nadam": torch.optim.NAdam,
}
STATIC = ("nesterov", "centered")

# (optimizer, hyperparameters): every option combination that changes the arithmetic
CASES = [
    ("sgd", {"learning_rate": 0.05}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.8, "dampening": 0.3}),
    ("sgd", {"learning_rate": 0.05, "dampening": 0.5}),  # torch ignores dampening at mu = 0
    ("sgd", {"learning_rate": 0.05, "momentum": 0.5, "nesterov": True, "weight_decay": 0.1}),
    ("adagrad", {}),
    ("adagrad", {"learning_rate": 0.1, "lr_decay": 0.05}),
    ("adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.1}),
    ("adagrad", {"learning_rate": 0.1, "eps": 1e-3}),
    ("rmsprop", {}),
    ("rmsprop", {"learning_rate": 0.01, "decay": 0.5, "eps": 1e-3}),
    ("rmsprop", {"centered": True}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.9}),
    ("rmsprop", {"momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("adadelta", {}),
    ("adadelta", {"learning_rate": 0.5, "rho": 0.5, "eps": 1e-4, "weight_decay": 0.1}),
    ("adam", {}),
    ("adam", {"learning_rate": 0.01, "b1": 0.5, "b2": 0.9, "weight_decay": 0.1}),
    ("adam", {"learning_rate": 0.01, "b1": 0.0, "eps": 1e-3}),
    ("adamw", {}),
    ("adamw", {"learning_rate": 0.01, "b1": 0.8, "weight_decay": 0.3}),
    ("adamax", {}),
    ("adamax", {"learning_rate": 0.01, "b1": 0.8, "b2": 0.9, "weight_decay": 0.1}),
    ("nadam", {}),
    ("nadam", {"learning_rate": 0.01, "momentum_decay": 0.1, "weight_decay": 0.1}),
    ("nadam", {"b1": 0.5, "b2": 0.9, "eps": 1e-3}),
]


def case_id(case) -> str:
    name, hp = case
    return name + "".join(f"-{k}={v}" for k, v in hp.items())


def problem(seed: int, dtype=np.float64, steps: int = STEPS):
    """Initial parameters, a positive curvature per leaf and per-step gradient noise (NumPy)."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s).astype(dtype) for s in SHAPES]
    curv = [rng.uniform(0.1, 2.0, size=s).astype(dtype) for s in SHAPES]
    noise = [rng.normal(scale=0.5, size=(steps, *s)).astype(dtype) for s in SHAPES]
    return params, curv, noise


def split(hp: dict) -> tuple[dict, tuple]:
    """Numeric hyperparameters (traced in the runs) and the static ones (a hashable tuple)."""
    numeric = {k: v for k, v in hp.items() if k not in STATIC}
    static = tuple(sorted((k, v) for k, v in hp.items() if k in STATIC))
    return numeric, static


@functools.partial(jax.jit, static_argnames=("factory", "static"))
def run_jax(factory, static, numeric, params, curv, noise):
    """Trajectory ``[T, ...]`` per leaf of ``g_t = curv * p + noise_t`` under ``factory``.

    ``numeric`` hyperparameters are traced arguments: one compiled program per optimizer and
    set of names, whatever their values.
    """
    opt = factory(**numeric, **dict(static))

    def body(carry, noise_t):
        p, state = carry
        grads = jax.tree.map(lambda c, x, n: c * x + n, curv, p, noise_t)
        updates, state = opt.update(grads, state, p)
        p = optax.apply_updates(p, updates)
        return (p, state), p

    _, traj = jax.lax.scan(body, (params, opt.init(params)), noise)
    return traj


def jax_trajectory(name, hp, params, curv, noise):
    numeric, static = split(hp)
    as_arrays = jax.tree.map(jnp.asarray, (numeric, params, curv, noise))
    traj = run_jax(getattr(jo, name), static, *as_arrays)
    return [np.asarray(t) for t in traj]


def torch_kwargs(name: str, hp: dict) -> dict:
    kw = {_TORCH_NAMES.get(k, k): v for k, v in hp.items() if k not in ("b1", "b2")}
    if name in ("adam", "adamw", "adamax", "nadam"):
        kw["betas"] = (hp.get("b1", 0.9), hp.get("b2", 0.999))
    return kw


def torch_trajectory(name, hp, params, curv, noise):
    """The same run with ``torch.optim`` (single-tensor path), trajectory ``[T, ...]``."""
    ps = [torch.tensor(p, requires_grad=True) for p in params]
    opt = TORCH_CLASSES[name](ps, foreach=False, **torch_kwargs(name, hp))
    traj = [[] for _ in ps]
    for t in range(noise[0].shape[0]):
        with torch.no_grad():
            for p, c, n in zip(ps, curv, noise, strict=True):
                p.grad = torch.as_tensor(c) * p + torch.as_tensor(n[t])
        opt.step()
        for out, p in zip(traj, ps, strict=True):
            out.append(p.detach().numpy().copy())
    return [np.stack(t) for t in traj]
