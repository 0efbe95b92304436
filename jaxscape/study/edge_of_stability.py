"""``edge_of_stability``: full-batch gradient descent at several rates, with the sharpness
(top Hessian eigenvalue) recorded beside the loss — Cohen et al., "Gradient Descent on Neural
Networks Typically Occurs at the Edge of Stability" (ICLR 2021).

On a quadratic, gradient descent at rate ``eta`` diverges along any direction whose curvature
exceeds ``2 / eta``. Training a network, the sharpness first rises (progressive sharpening)
until it reaches ``2 / eta``, then hovers there while the loss keeps falling, though no longer
monotonically. Here every rate is one trial of one population on a subset of the digits
(a ReLU MLP, squared error on one-hot targets, as Cohen et al. use MSE), and the sharpness is
measured by the engine (:class:`jaxscape.population.sharpness.Sharpness`) at every recording.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jaxscape import data as jdata
from jaxscape import models, optim
from jaxscape._checks import check_positive_int
from jaxscape.population import sweep
from jaxscape.population.sharpness import Sharpness
from jaxscape.problem import Problem
from jaxscape.study.edge_of_stability_result import EdgeOfStability

#: Default rates: thresholds ``2 / eta`` of 50, 30, 20 and 15. On 1000 digits the network's
#: sharpness rises from about 15 to about 30 under small rates, so the two larger rates meet
#: their edge and the smaller two stay below it.
RATES = (0.04, 2 / 30, 0.1, 2 / 15)

#: ``--quick`` settings: fewer examples and steps.
QUICK = {"n_examples": 500, "steps": 600, "record_every": 10}


def eos_problem(n_examples: int = 1000, hidden: Sequence[int] = (32, 32), activation="relu"):
    """The first ``n_examples`` training digits (flattened, no validation or test split) and an
    MLP with squared error on one-hot targets.

    >>> eos_problem(100, hidden=(8,)).num_params   # 64*8 + 8 + 8*10 + 10
    610
    """
    n_examples = check_positive_int("n_examples", n_examples)
    full = jdata.digits(flatten=True, val_fraction=0)
    if n_examples > full.n_train:
        raise ValueError(f"n_examples ({n_examples}) exceeds the {full.n_train} training digits")
    x, y = np.asarray(full.train.x[:n_examples]), np.asarray(full.train.y[:n_examples])
    ds = jdata.from_arrays(x, y, val_fraction=0, num_classes=10, name=f"digits[:{n_examples}]")
    mlp = models.MLP(hidden=tuple(hidden), activation=activation)
    return Problem.from_model(mlp, ds, loss="mse")


def edge_of_stability(
    rates: Sequence[float] = RATES,
    *,
    n_examples: int = 1000,
    hidden: Sequence[int] = (32, 32),
    activation: str = "relu",
    steps: int = 3000,
    record_every: int = 10,
    iters: int = 5,
    seed: int = 0,
    progress: bool = False,
) -> EdgeOfStability:
    """Full-batch gradient descent at every rate of ``rates``, one population, sharpness
    recorded every ``record_every`` steps.

    Args:
      rates: ``[N]`` learning rates ``eta`` (positive).
      n_examples: training digits (the first ones); the Hessian is of the loss over all of them.
      hidden: the MLP's hidden widths.
      activation: the MLP's activation.
      steps: gradient-descent steps.
      record_every: steps per recording (loss averaged over them, sharpness at their end).
      iters: power-iteration steps per measurement, warm-started from the last vector.
      seed: the initial weights (shared by every rate) and the power iteration's start.
      progress: show a progress bar.

    Returns:
      An :class:`EdgeOfStability` with ``[N, T]`` loss and sharpness curves.

    Example:
      >>> r = edge_of_stability((0.1,), n_examples=100, hidden=(8,), steps=20, record_every=10)
      >>> r.sharpness.shape, bool(r.diverged[0])
      ((1, 2), False)
    """
    lr = np.asarray(rates, np.float64)
    if lr.ndim != 1 or lr.size == 0 or not np.all(np.isfinite(lr) & (lr > 0)):
        raise ValueError(f"rates must be a non-empty list of positive numbers, got {rates!r}")
    steps = check_positive_int("steps", steps)
    record_every = check_positive_int("record_every", record_every)
    prob = eos_problem(n_examples, hidden, activation)
    res = sweep(
        prob,
        optim.sgd,
        {"learning_rate": lr.tolist()},
        steps=steps,
        batch_size=None,
        eval_every=record_every,
        seed=seed,
        sharpness=Sharpness(subset=None, iters=iters, seed=seed),
        progress=progress,
    )
    info = {
        "problem": prob.name,
        "num_params": prob.num_params,
        "n_examples": n_examples,
        "hidden": list(hidden),
        "activation": activation,
        "loss": "mse (sum over one-hot outputs, mean over examples)",
        "steps": steps,
        "record_every": record_every,
        "iters": iters,
        "seed": seed,
        **{k: res.info[k] for k in ("compile_s", "run_s", "backend", "jax", "date")},
    }
    return EdgeOfStability(
        learning_rate=lr,
        steps=np.asarray(res.steps),
        train_loss=res.metrics["train_loss"],
        sharpness=res.metrics["sharpness"],
        diverged=np.asarray(res.diverged, bool),
        info=info,
    )
