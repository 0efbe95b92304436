"""Does learning-rate decay help? Does a cyclical rate help? (Steps 4 and 5 of the recipe.)

Both policies come from one schedule family, :func:`jaxscape.schedules.policy`, whose
parameters are traced, so the constant baseline and the variants are rows of one population:

* ``"constant"`` (baseline): the chosen rate throughout;
* ``"decay"``: power decay, the rate multiplied by ``alpha = (2/3)^(1/M)`` every epoch;
* ``"cyclical"``: start at ``cycle_high`` (2x) the rate, shrink linearly to ``cycle_low``
  (0.5x) over M epochs, jump back, repeat;

with M the plateau epoch of the baseline (:mod:`jaxscape.tune.comparisons.plateau`). When M is not
given, a baseline is trained first (same seeds and budget) to read it.

References:
  L. N. Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017 (the
  triangular cycle between bounds around the chosen rate). Y. Bengio, "Practical
  recommendations for gradient-based training of deep architectures", 2012 (decaying the rate
  once learning plateaus). The paired verdicts: :mod:`jaxscape.tune.comparisons.verdict`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxscape._checks import check_choice, check_range
from jaxscape.optim import hyperparameter_names, sgd, with_schedule
from jaxscape.population.judging import Judging
from jaxscape.population.training import Training
from jaxscape.problem import Problem
from jaxscape.schedules import policy, power_decay_alpha
from jaxscape.tune._common import (
    DEFAULT_BATCH_SIZE,
    check_batch_size,
    check_factory,
    check_fixed,
    check_metric,
    check_problem,
    has_val,
    n_train,
    seed_mean,
)
from jaxscape.tune._options import check_type, judging_of, split_options, training_of
from jaxscape.tune.comparisons.comparison import Comparison, compare_arms
from jaxscape.tune.comparisons.plateau import Plateau, plateau_epoch

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

    Args:
      learning_rate: the chosen rate.
      plateau: the plateau epoch M.
      variants: any of ``"decay"`` (``decay = (2/3)^(1/M)`` per epoch) and ``"cyclical"``
        (period M epochs, from ``cycle_high`` down to ``cycle_low`` times the rate).
      cycle_high, cycle_low: the cycle's bounds as multiples of the rate.

    Returns:
      ``{"constant": params, variant: params, ...}`` the arguments of
      :func:`jaxscape.schedules.policy` of every arm.

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


@dataclass(frozen=True)
class ScheduleVariants:
    """Which schedules :func:`check_schedules` tries against the constant rate, and how.

    Attributes:
      variants: any of ``"decay"`` and ``"cyclical"``.
      plateau: the plateau epoch M; ``None``: read from a baseline run first
        (:func:`jaxscape.tune.comparisons.plateau.plateau_epoch` on its seed-mean
        ``plateau_metric``).
      plateau_metric: the curve M is read from (default validation loss, else training loss).
      plateau_fraction: the plateau rule's fraction.
      cycle_high, cycle_low: the cycle's bounds as multiples of the rate (2 and 1/2).

    Example:
      >>> ScheduleVariants(variants=("decay",), plateau=3).variants
      ('decay',)
    """

    variants: tuple[str, ...] = VARIANTS
    plateau: float | None = None
    plateau_metric: str | None = None
    plateau_fraction: float = 0.95
    cycle_high: float = 2.0
    cycle_low: float = 0.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "variants", tuple(_check_variants(self.variants)))
        if self.plateau is not None:
            check_range("plateau", self.plateau, low=0.0, low_open=True)
        check_range("plateau_fraction", self.plateau_fraction, low=0.0, high=1.0, low_open=True)
        check_range("cycle_high", self.cycle_high, low=0.0)
        check_range("cycle_low", self.cycle_low, low=0.0)


#: The training of a schedule check unless given: 20 epochs ("until convergence"), 3 seeds.
SCHEDULE_TRAINING = Training(epochs=20.0, batch_size=DEFAULT_BATCH_SIZE, seeds=(0, 1, 2))


def check_schedules(
    prob: Problem,
    learning_rate: float,
    *,
    schedules: ScheduleVariants | None = None,
    optimizer: Callable[..., Any] = sgd,
    hyperparams: Mapping[str, Any] | None = None,
    training: Training | None = None,
    judging: Judging | None = None,
    keep_params: bool = False,
    baseline: tuple[Comparison, str] | None = None,
    **options: Any,
) -> Comparison:
    """Train the constant rate and the schedule variants over seeds as one population.

    Args:
      prob: the problem.
      learning_rate: the chosen rate (the constant baseline, the decay's start, the cycle's
        middle).
      schedules: the variants and how they are built (:class:`ScheduleVariants`).
      optimizer: the optimizer family (its ``learning_rate`` becomes the schedule; its other
        arguments must not be named like a policy parameter — RMSprop's ``decay`` is).
      hyperparams: other hyperparameters shared by every run (e.g. ``{"momentum": 0.7}``).
      training: the budget ("until convergence": longer than the range tests), batch size,
        seeds and progress (default ``Training(epochs=20, batch_size=64, seeds=(0, 1, 2))``).
      judging: the verdicts' ``metric`` (default validation accuracy, else validation loss),
        ``k`` and ``min_effect`` (:mod:`jaxscape.tune.comparisons.verdict`).
      keep_params: keep the final weights of every run.
      baseline: ``(comparison, arm)``: the constant rate's runs were already trained as
        ``arm`` of ``comparison`` (this ``learning_rate`` and ``hyperparams`` with no schedule,
        the same seeds, steps and batch size: e.g. the kept arm of
        :func:`~jaxscape.tune.confirm_momentum`); they are the ``"constant"`` arm, and only
        the variants are trained. When ``plateau`` is not given it is read from them.
      **options: shortcuts for the fields of ``schedules``, ``training`` and ``judging``
        (``variants``, ``plateau``, ``epochs``, ``steps``, ``seeds``, ``seed``, ``k``...).

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
    v, t, j, _ = split_options("check_schedules", options, ScheduleVariants, Training, Judging)
    sched = check_type("schedules", schedules, ScheduleVariants) or ScheduleVariants()
    sched = dataclasses.replace(sched, **v) if v else sched
    training = training_of(training, t, SCHEDULE_TRAINING)
    judging = judging_of(judging, j)
    factory = _policy_optimizer(optimizer)
    fixed = check_fixed("hyperparams", hyperparams, ("learning_rate", *_POLICY, "steps_per_epoch"))
    check_metric(prob, judging.metric)
    plateau_metric = check_metric(
        prob, sched.plateau_metric or ("val_loss" if has_val(prob) else "train_loss")
    )
    batch_size = check_batch_size(prob, training.batch_size)
    n_steps = training.steps_for(n_train(prob), batch_size)
    common = {**fixed, "steps_per_epoch": float(prob.steps_per_epoch(batch_size))}
    reuse = _baseline(baseline, {"learning_rate": float(learning_rate), **fixed})
    found = None
    if sched.plateau is None:
        base = {"constant": {**policy_arms(learning_rate, 1.0, [])["constant"], **common}}
        pre = compare_arms("baseline", prob, factory, base, training, judging, reuse=reuse)
        found = _read_plateau(pre, plateau_metric, sched.plateau_fraction)
    m = float(found.epoch if found is not None else sched.plateau)
    built = policy_arms(
        learning_rate, m, sched.variants, cycle_high=sched.cycle_high, cycle_low=sched.cycle_low
    )
    arms = {name: {**arm, **common} for name, arm in built.items()}
    rates = _rates(arms, n_steps)
    cmp = compare_arms(
        "schedules", prob, factory, arms, training, judging,
        keep_params=keep_params, reuse=reuse, rates=rates,
    )  # fmt: skip
    if found is None:
        found = _read_plateau(cmp, plateau_metric, sched.plateau_fraction)
        found = dataclasses.replace(found, epoch=int(np.ceil(m)), rule="given by the caller")
    return dataclasses.replace(cmp, plateau=found)


def _baseline(baseline: Any, want: Mapping[str, Any]) -> dict[str, tuple[Comparison, str]]:
    """``{"constant": baseline}`` once its arm's settings match ``want`` (the constant arm's
    rate and shared hyperparameters), ``{}`` without one."""
    if baseline is None:
        return {}
    if not (isinstance(baseline, tuple) and len(baseline) == 2):
        raise TypeError(f"baseline must be (Comparison, one of its arms), got {baseline!r}")
    given, arm = baseline
    got = getattr(given, "settings", {}).get(arm, {})
    differ = sorted(k for k, v in want.items() if k not in got or got[k] != v)
    if differ:
        seen = {k: got.get(k) for k in differ}
        want_of = {k: want[k] for k in differ}
        raise ValueError(f"baseline arm {arm!r} was trained with {seen}, not {want_of}")
    return {"constant": (given, arm)}


def _read_plateau(cmp: Comparison, metric: str, fraction: float) -> Plateau:
    """The plateau epoch of the seed-mean ``metric`` curve of the ``"constant"`` arm."""
    curve = seed_mean(cmp.curves["constant"][metric])
    return plateau_epoch(cmp.epochs, curve, metric, fraction)


def _check_variants(variants: Sequence[str] | str) -> list[str]:
    if isinstance(variants, str):
        variants = (variants,)
    variants = [check_choice("variants", v, VARIANTS) for v in variants]
    if not variants or len(set(variants)) != len(variants):
        raise ValueError(f"variants must be distinct names from {VARIANTS}, got {variants}")
    return variants


def _policy_optimizer(optimizer: Any) -> Callable[..., Any]:
    """``optimizer`` with its learning rate following :func:`jaxscape.schedules.policy`."""
    optimizer = check_factory("optimizer", optimizer)
    clash = sorted(set(hyperparameter_names(optimizer)) & set(_POLICY))
    if clash:
        raise ValueError(
            f"optimizer has argument(s) {clash} named like policy parameters; wrap it first"
        )
    return with_schedule(optimizer, policy)


def _rates(arms: Mapping[str, Mapping[str, float]], steps: int) -> dict[str, np.ndarray]:
    """``{arm: [steps]}`` the learning rate of every step of every arm."""
    t = jnp.arange(steps)
    return {
        name: np.asarray(policy(**{k: v for k, v in arm.items() if k in _POLICY_ARGS})(t))
        for name, arm in arms.items()
    }


_POLICY_ARGS = ("learning_rate", *_POLICY, "steps_per_epoch")


def check_decay(prob: Problem, learning_rate: float, **kwargs: Any) -> Comparison:
    """Constant rate against power decay with ``alpha = (2/3)^(1/M)``, in one population.

    Args:
      prob: the problem.
      learning_rate: the chosen rate.
      **kwargs: those of :func:`check_schedules` (``variants`` and ``schedules`` excepted).

    Returns:
      A :class:`~jaxscape.tune.Comparison` with arms ``["constant", "decay"]``.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))
      >>> cmp = js.tune.check_decay(prob, 0.1, plateau=2, epochs=3, seeds=2, progress=False)
      >>> cmp.arms, round(cmp.settings["decay"]["decay"], 4)
      (['constant', 'decay'], 0.8165)
    """
    if "variants" in kwargs or "schedules" in kwargs:
        raise TypeError("check_decay takes no variants argument; use check_schedules for more")
    return check_schedules(prob, learning_rate, variants=("decay",), **kwargs)


def check_cyclical(prob: Problem, learning_rate: float, **kwargs: Any) -> Comparison:
    """Constant rate against the cyclical (2x down to 1/2x over M epochs) rate, in one
    population.

    Args:
      prob: the problem.
      learning_rate: the chosen rate (the cycle's middle).
      **kwargs: those of :func:`check_schedules` (``variants`` and ``schedules`` excepted).

    Returns:
      A :class:`~jaxscape.tune.Comparison` with arms ``["constant", "cyclical"]``.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))
      >>> cmp = js.tune.check_cyclical(prob, 0.1, plateau=2, epochs=3, seeds=2, progress=False)
      >>> float(cmp.rates["cyclical"][0] / cmp.rates["constant"][0])
      2.0
    """
    if "variants" in kwargs or "schedules" in kwargs:
        raise TypeError("check_cyclical takes no variants argument; use check_schedules for more")
    return check_schedules(prob, learning_rate, variants=("cyclical",), **kwargs)
