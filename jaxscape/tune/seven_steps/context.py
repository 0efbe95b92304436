"""``RecipeContext``: what every step of the recipe shares — checked once, frozen, passed along.

The recipe's steps repeat the same few arguments (the problem, the budgets, the seeds, the
batch size, the metric, the verdict threshold, the progress switches); the context holds them,
and :meth:`RecipeContext.range_kwargs` / :meth:`RecipeContext.seeded_kwargs` give the keyword
arguments the range tests and the seeded comparisons take, so no step spells them out again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jaxscape import data as jdata
from jaxscape import models
from jaxscape._checks import check_range
from jaxscape.population.judging import Judging
from jaxscape.population.training import Training
from jaxscape.problem import Problem
from jaxscape.tune._common import check_metric, check_problem, check_seed, choice_split
from jaxscape.tune._options import judging_of, split_options
from jaxscape.tune.comparisons.optimizers import FAMILIES
from jaxscape.tune.seven_steps.budget import Budget

Log = Callable[[str], None] | None


def default_problem() -> Problem:
    """The recipe's default: the small CNN (width 0.25, 22.6K parameters) on the embedded
    digits."""
    return Problem.from_model(models.CNN(width=0.25), jdata.digits())


@dataclass(frozen=True, eq=False)
class RecipeContext:
    """The checked arguments every step of :func:`jaxscape.tune.recipe` reads.

    Build it with :meth:`build` (which checks every argument and derives the rest); the
    fields are then what each step uses, never changed.

    Attributes:
      prob: the problem.
      budget: every budget (:class:`~jaxscape.tune.seven_steps.budget.Budget`).
      seed: the first seed; the range tests use it alone.
      seeds: ``[S]`` int64 seeds of the seeded comparisons: ``seed, ..., seed + S - 1``.
      batch_size: the mini-batch size (``None``: full batch, when the budget's size is not
        smaller than the training split).
      steps_per_epoch: optimizer steps per epoch at ``batch_size``.
      metric: the metric every choice scores (validation split, else training).
      others: the families compared with the tuned SGD in step 6.
      plateau: the plateau epoch M given by the user (``None``: read in step 4).
      judging: how every choice is judged (:class:`jaxscape.Judging`): the band ``tolerance``
        of the range tests (``None``: the procedures' default), the verdicts' ``k``; its
        ``metric`` is :attr:`metric`.
      progress: show the engine's progress bars.
      log: where the one-line-per-step progress goes (``None``: silent).

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> from jaxscape.tune.seven_steps.context import RecipeContext
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))
      >>> ctx = RecipeContext.build(prob, quick=True, seed=3, optimizers=())
      >>> ctx.seeds.tolist(), ctx.metric, ctx.range_steps
      ([3, 4], 'train_loss', 1)

    References:
      The budgets and seeds are those of the practitioner's seven-step procedure that
      :func:`jaxscape.tune.recipe` follows (range tests of N epochs, long runs "until
      convergence" over several seeds; after L. N. Smith, "A disciplined approach to neural
      network hyper-parameters: Part 1", arXiv:1803.09820, 2018).
    """

    prob: Problem
    budget: Budget
    seed: int
    seeds: np.ndarray
    batch_size: int | None
    steps_per_epoch: int
    metric: str
    others: tuple[str, ...] = ()
    plateau: float | None = None
    judging: Judging = field(default_factory=Judging)
    progress: bool = True
    log: Log = None

    @classmethod
    def build(
        cls,
        prob: Problem | None = None,
        *,
        budget: Budget | None = None,
        quick: bool = False,
        seed: int = 0,
        optimizers: Sequence[str] = ("adam",),
        plateau: float | None = None,
        judging: Judging | None = None,
        progress: bool = True,
        log: Log = None,
        **options: Any,
    ) -> RecipeContext:
        """Check the arguments of :func:`jaxscape.tune.recipe` and derive the context.

        Args: as :func:`jaxscape.tune.recipe` (``optimizers`` may name ``"sgd"``: it is the
          baseline and always trained; ``options``: the fields of ``judging``, ``metric``,
          ``tolerance``, ``k``...).

        Returns:
          The context. Raises ``TypeError`` / ``ValueError`` naming the bad argument, before
          anything compiles.
        """
        prob = default_problem() if prob is None else check_problem(prob)
        if budget is None:
            budget = Budget.quick() if quick else Budget()
        elif not isinstance(budget, Budget):
            raise TypeError(f"budget must be a jaxscape.tune.Budget, got {type(budget).__name__}")
        seed = check_seed(seed)
        others = tuple(o for o in _names(optimizers) if o != "sgd")
        for o in others:
            if o not in FAMILIES:
                raise ValueError(
                    f"unknown optimizer {o!r} in optimizers; known: {sorted(FAMILIES)}"
                )
        if plateau is not None:
            check_range("plateau", plateau, low=0.0, low_open=True)
        (j,) = split_options("recipe", options, Judging)[:1]
        judging = judging_of(judging, j)
        metric = check_metric(prob, judging.metric)
        bs = budget.batch_size
        if prob.data is not None and bs >= prob.data.n_train:
            bs = None
        seeds = np.arange(seed, seed + budget.seeds, dtype=np.int64)
        return cls(
            prob=prob,
            budget=budget,
            seed=seed,
            seeds=seeds,
            batch_size=bs,
            steps_per_epoch=prob.steps_per_epoch(bs),
            metric=metric,
            others=others,
            plateau=plateau,
            judging=judging.replace(metric=metric),
            progress=progress,
            log=log,
        )

    @property
    def range_steps(self) -> int:
        """Steps of each range test: ``max(1, round(budget.epochs * steps_per_epoch))``."""
        return max(1, round(self.budget.epochs * self.steps_per_epoch))

    @property
    def long_steps(self) -> int:
        """Steps of each seeded long run: ``round(budget.train_epochs * steps_per_epoch)``."""
        return max(1, round(self.budget.train_epochs * self.steps_per_epoch))

    @property
    def plateau_metric(self) -> str:
        """The loss the plateau epoch is read from: validation loss, else training loss."""
        return f"{choice_split(self.prob)}_loss"

    @property
    def tolerance(self) -> float | None:
        """The band tolerance of the range tests (``None``: the procedures' default)."""
        return self.judging.tolerance

    @property
    def k(self) -> float:
        """The verdicts' threshold in standard errors."""
        return self.judging.k

    def range_kwargs(self) -> dict[str, Any]:
        """The ``training`` and ``judging`` of a range test at this context's budget, metric
        and seed."""
        training = Training(
            epochs=float(self.budget.epochs),
            batch_size=self.batch_size,
            seeds=(self.seed,),
            progress=self.progress,
        )
        return {"training": training, "judging": self.judging}

    def seeded_kwargs(self) -> dict[str, Any]:
        """The ``training`` and ``judging`` of a seeded comparison (long runs over ``seeds``,
        verdicts at ``k`` standard errors)."""
        training = Training(
            epochs=float(self.budget.train_epochs),
            batch_size=self.batch_size,
            seeds=tuple(self.seeds.tolist()),
            progress=self.progress,
        )
        return {"training": training, "judging": self.judging}

    def resume_key(self, versions: dict[str, str]) -> dict[str, Any]:
        """What identifies a run for resuming: a checkpoint folder left by a run with another
        key is emptied first."""
        return {
            "problem": self.prob.name,
            "num_params": self.prob.num_params,
            "data": repr(self.prob.data),
            "loss": self.prob.loss_name,
            "budget": self.budget.to_dict(),
            "seed": self.seed,
            "optimizers": list(self.others),
            "plateau": self.plateau,
            "metric": self.metric,
            "tolerance": self.tolerance,
            "k": self.k,
            "versions": versions,
        }

    def say(self, text: str) -> None:
        """Send ``text`` to :attr:`log` (nothing when it is ``None``)."""
        if self.log:
            self.log(text)


def _names(optimizers: Sequence[str] | str) -> tuple[str, ...]:
    return (optimizers,) if isinstance(optimizers, str) else tuple(optimizers)
