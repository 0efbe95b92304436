"""Does learning-rate decay help? Does a cyclical rate help? (Steps 4 and 5 of the recipe.)

Both policies come from one schedule family, :func:`jaxscape.schedules.policy`, whose
parameters are traced, so the constant baseline and the variants are rows of one population:

* ``"constant"`` (baseline): the chosen rate throughout;
* ``"decay"``: power decay, the rate multiplied by ``alpha = (2/3)^(1/M)`` every epoch;
* ``"cyclical"``: start at ``cycle_high`` (2x) the rate, shrink linearly to ``cycle_low``
  (0.5x) over M epochs, jump back, repeat;

with M the plateau epoch of the baseline (:mod:`jaxscape.tune.plateau`). When M is not given, a
baseline is trained first (same seeds and budget) to read it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxscape._checks import check_choice, check_range
from jaxscape.optim import hyperparameter_names, sgd, with_schedule
from jaxscape.problem import Problem
from jaxscape.schedules import policy, power_decay_alpha
from jaxscape.tune._common import (
    DEFAULT_BATCH_SIZE,
    budget_steps,
    check_batch_size,
    check_factory,
    check_fixed,
    check_metric,
    check_problem,
    check_seed,
    check_seeds,
    has_val,
    seed_mean,
)
from jaxscape.tune.comparison import Comparison, record_every, run_arms, verdicts_for
from jaxscape.tune.plateau import plateau_epoch

VARIANTS = ("decay", "cyclical")
_POLICY = ("decay", "cycle_epochs", "cycle_high", "cycle_low")


def policy_arms(
    learning_rate: float,
    plateau: float,
    variants: Sequence[str],
    *,
    cycle_high: float = 2.0,
    cycle_low: float = 0.5,
) -> dict[str, dict[str, float]]:
    """The policy parameters of the baseline and of each variant.

    Example:
      >>> arms = policy_arms(0.1, 4, ["decay", "cyclical"])
      >>> round(arms["decay"]["decay"], 4), arms["cyclical"]["cycle_epochs"]
      (0.9036, 4.0)
    """
    base = {"learning_rate": float(learning_rate), "decay": 1.0, "cycle_epochs": 0.0}
    base.update({"cycle_high": 1.0, "cycle_low": 1.0})
    arms = {"constant": base}
    for v in variants:
        arm = dict(base)
        if v == "decay":
            arm["decay"] = float(power_decay_alpha(float(plateau)))
        else:
            arm.update(
                cycle_epochs=float(plateau),
                cycle_high=float(cycle_high),
                cycle_low=float(cycle_low),
            )
        arms[v] = arm
    return arms


def check_schedules(
    prob: Problem,
    learning_rate: float,
    *,
    variants: Sequence[str] = VARIANTS,
    optimizer: Callable[..., Any] = sgd,
    hyperparams: Mapping[str, Any] | None = None,
    plateau: float | None = None,
    plateau_metric: str | None = None,
    plateau_fraction: float = 0.95,
    cycle_high: float = 2.0,
    cycle_low: float = 0.5,
    epochs: float = 20.0,
    steps: int | None = None,
    seeds: int | Sequence[int] = 3,
    seed: int = 0,
    metric: str | None = None,
    k: float = 2.0,
    min_effect: float = 0.0,
    batch_size: int | None = DEFAULT_BATCH_SIZE,
    keep_params: bool = False,
    progress: bool = True,
) -> Comparison:
    """Train the constant rate and the schedule variants over seeds as one population.

    Args:
      prob: the problem.
      learning_rate: the chosen rate (the constant baseline, the decay's start, the cycle's
        middle).
      variants: any of ``"decay"`` and ``"cyclical"``.
      optimizer: the optimizer family (its ``learning_rate`` becomes the schedule; its other
        arguments must not be named like a policy parameter — RMSprop's ``decay`` is).
      hyperparams: other hyperparameters shared by every run (e.g. ``{"momentum": 0.7}``).
      plateau: the plateau epoch M; default: read from a baseline run first
        (:func:`jaxscape.tune.plateau.plateau_epoch` on its seed-mean ``plateau_metric``,
        validation loss by default, else training loss).
      plateau_fraction: the plateau rule's fraction.
      cycle_high, cycle_low: the cycle's bounds as multiples of the rate (2 and 1/2).
      epochs, steps: the budget ("until convergence": longer than the range tests).
      seeds, seed: the seeds (count or list) of every arm.
      metric: the metric of the verdicts (default validation accuracy, else validation loss).
      k, min_effect: the verdicts' rule (:mod:`jaxscape.tune.verdict`).
      batch_size: mini-batch size.
      keep_params: keep the final weights of every run.
      progress: show the engine's progress bar.

    Returns:
      A :class:`~jaxscape.tune.Comparison` named ``"schedules"`` with arms
      ``["constant", *variants]``, their learning rates per step (``rates``) and the
      ``plateau`` it used.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))
      >>> cmp = js.tune.check_schedules(prob, 0.1, plateau=2, epochs=4, seeds=2, progress=False)
      >>> cmp.arms, cmp.plateau.epoch
      (['constant', 'decay', 'cyclical'], 2)
    """
    prob = check_problem(prob)
    check_range("learning_rate", learning_rate, low=0.0, low_open=True)
    if isinstance(variants, str):
        variants = (variants,)
    variants = [check_choice("variants", v, VARIANTS) for v in variants]
    if not variants or len(set(variants)) != len(variants):
        raise ValueError(f"variants must be distinct names from {VARIANTS}, got {variants}")
    optimizer = check_factory("optimizer", optimizer)
    clash = sorted(set(hyperparameter_names(optimizer)) & set(_POLICY))
    if clash:
        raise ValueError(
            f"optimizer has argument(s) {clash} named like policy parameters; wrap it first"
        )
    fixed = check_fixed("hyperparams", hyperparams, ("learning_rate", *_POLICY, "steps_per_epoch"))
    batch_size = check_batch_size(prob, batch_size)
    seeds_arr = check_seeds(seeds, check_seed(seed))
    metric = check_metric(prob, metric)
    plateau_metric = check_metric(
        prob, plateau_metric or ("val_loss" if has_val(prob) else "train_loss")
    )
    check_range("cycle_high", cycle_high, low=0.0)
    check_range("cycle_low", cycle_low, low=0.0)
    n_steps = budget_steps(prob, batch_size, epochs, steps)
    spe = prob.steps_per_epoch(batch_size)
    every = record_every(prob, batch_size, n_steps)
    factory = with_schedule(optimizer, policy)
    common = {**fixed, "steps_per_epoch": float(spe)}
    if plateau is None:
        base = policy_arms(learning_rate, 1.0, [])
        pre = run_arms(
            prob,
            factory,
            {"constant": {**base["constant"], **common}},
            seeds_arr,
            steps=n_steps,
            batch_size=batch_size,
            eval_every=every,
            progress=progress,
        )
        curve = seed_mean(pre.curves["constant"][plateau_metric])
        found = plateau_epoch(pre.steps / spe, curve, plateau_metric, plateau_fraction)
    else:
        check_range("plateau", plateau, low=0.0, low_open=True)
        found = None
    m = float(found.epoch if found is not None else plateau)
    arms = {
        name: {**arm, **common}
        for name, arm in policy_arms(
            learning_rate, m, variants, cycle_high=cycle_high, cycle_low=cycle_low
        ).items()
    }
    runs = run_arms(
        prob,
        factory,
        arms,
        seeds_arr,
        steps=n_steps,
        batch_size=batch_size,
        eval_every=every,
        progress=progress,
        keep_params=keep_params,
    )
    if found is None:
        curve = seed_mean(runs.curves["constant"][plateau_metric])
        found = plateau_epoch(runs.steps / spe, curve, plateau_metric, plateau_fraction)
        found = dataclasses.replace(found, epoch=int(np.ceil(m)), rule="given by the caller")
    t = jnp.arange(n_steps)
    rates = {
        name: np.asarray(policy(**{k: v for k, v in arm.items() if k in _POLICY_ARGS})(t))
        for name, arm in arms.items()
    }
    names = list(arms)
    return Comparison(
        name="schedules",
        arms=names,
        settings={a: {k: v for k, v in h.items() if not callable(v)} for a, h in arms.items()},
        seeds=seeds_arr,
        steps=runs.steps,
        steps_per_epoch=spe,
        curves=runs.curves,
        diverged=runs.diverged,
        metric=metric,
        verdicts=verdicts_for(runs.curves, names, metric, k=k, min_effect=min_effect),
        rates=rates,
        plateau=found,
        params=runs.params,
        info=runs.info,
    )


_POLICY_ARGS = ("learning_rate", *_POLICY, "steps_per_epoch")


def check_decay(prob: Problem, learning_rate: float, **kwargs: Any) -> Comparison:
    """Constant rate against power decay with ``alpha = (2/3)^(1/M)``, in one population.

    Keyword arguments are those of :func:`check_schedules` (``variants`` excepted).

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))
      >>> cmp = js.tune.check_decay(prob, 0.1, plateau=2, epochs=3, seeds=2, progress=False)
      >>> cmp.arms, round(cmp.settings["decay"]["decay"], 4)
      (['constant', 'decay'], 0.8165)
    """
    if "variants" in kwargs:
        raise TypeError("check_decay takes no variants argument; use check_schedules for more")
    return check_schedules(prob, learning_rate, variants=("decay",), **kwargs)


def check_cyclical(prob: Problem, learning_rate: float, **kwargs: Any) -> Comparison:
    """Constant rate against the cyclical (2x down to 1/2x over M epochs) rate, in one
    population. Keyword arguments are those of :func:`check_schedules`.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))
      >>> cmp = js.tune.check_cyclical(prob, 0.1, plateau=2, epochs=3, seeds=2, progress=False)
      >>> float(cmp.rates["cyclical"][0] / cmp.rates["constant"][0])
      2.0
    """
    if "variants" in kwargs:
        raise TypeError("check_cyclical takes no variants argument; use check_schedules for more")
    return check_schedules(prob, learning_rate, variants=("cyclical",), **kwargs)
