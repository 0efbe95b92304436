"""``recipe``: the practitioner's seven steps end to end, with decisions and red flags.

1. a line search through the initial weights (along a briefly trained direction);
2. a learning-rate range test (parallel; a ramp alongside for comparison);
3. a momentum range test at the chosen rate, then a confirmation with and without momentum;
4. does power decay help (``alpha = (2/3)^(1/M)``, M the plateau epoch)?
5. does a cyclical rate help (2x down to 1/2x over M epochs, then back)?
6. do other optimizers do better, each with its own rate search?
7. a line search from the initial to the trained weights.

Every decision is a stated rule applied to measured numbers, and every step's results feed the
red flags of :mod:`jaxscape.tune.seven_steps.flags`. Every choice scores the validation split; the
test split is evaluated once, at the end, for the chosen configuration only (``final``), beside the
validation numbers it was chosen on (``final_val``).
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np

from jaxscape.population.judging import Judging
from jaxscape.problem import Problem
from jaxscape.tune._resume import resumable
from jaxscape.tune._resume import step as checkpoint_step
from jaxscape.tune.seven_steps.budget import Budget
from jaxscape.tune.seven_steps.chosen import Chosen
from jaxscape.tune.seven_steps.context import RecipeContext, default_problem
from jaxscape.tune.seven_steps.report import Report
from jaxscape.tune.seven_steps.steps import NUM_STEPS, STEPS
from jaxscape.tune.seven_steps.steps.conclusion import conclude

__all__ = ["default_problem", "recipe", "run_steps"]


class _Clock:
    """Prints one line per step: what runs, then how long it took and the total."""

    def __init__(self, log: Callable[[str], None] | None):
        self.log = log
        self.start = time.perf_counter()
        self.step_start = self.start
        self.times: dict[str, float] = {}

    def begin(self, i: int | str, what: str) -> None:
        self.step_start = time.perf_counter()
        if self.log:
            self.log(f"[{i}/{NUM_STEPS}] {what}")

    def end(self, key: str, result: str) -> None:
        now = time.perf_counter()
        self.times[key] = round(now - self.step_start, 2)
        if self.log:
            took, total = now - self.step_start, now - self.start
            self.log(f"      -> {result}  ({took:.1f} s, total {total:.1f} s)")


def recipe(
    prob: Problem | None = None,
    *,
    budget: Budget | None = None,
    quick: bool = False,
    seed: int = 0,
    optimizers: Sequence[str] = ("adam",),
    plateau: float | None = None,
    judging: Judging | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = print,
    checkpoint_dir: str | os.PathLike | None = None,
    **options: Any,
) -> Report:
    """Run the seven steps and return a :class:`~jaxscape.tune.Report`.

    Each step is a function of the :class:`~jaxscape.tune.seven_steps.context.RecipeContext` (these
    arguments, checked) and of the :class:`~jaxscape.tune.seven_steps.chosen.Chosen` of the steps
    before it; see :func:`run_steps`.

    Args:
      prob: the problem (default: :func:`default_problem`, the small CNN on digits).
      budget: every budget (:class:`~jaxscape.tune.seven_steps.budget.Budget`); default
        ``Budget()``, or ``Budget.quick()`` with ``quick=True``.
      quick: shorten every budget (smoke tests).
      seed: the first seed; the seeded comparisons use ``seed, ..., seed + budget.seeds - 1``
        and the range tests ``seed``.
      optimizers: the families compared with the tuned SGD in step 6 (names from
        :data:`jaxscape.tune.comparisons.optimizers.FAMILIES`), each with its own rate search.
      plateau: the plateau epoch M (default: read from step 3's long runs).
      judging: how every choice is judged (:class:`jaxscape.Judging`): its ``metric`` (default
        validation accuracy, else validation loss; a problem without a validation split
        scores training metrics; the test split is never scored: it is evaluated once, at
        the end, for the chosen configuration), the range tests' band ``tolerance`` (default
        0.02 for accuracies) and the verdicts' threshold ``k`` in standard errors.
      progress: show the engine's progress bars.
      log: where the one-line-per-step progress goes (``None``: silent).
      checkpoint_dir: a folder where every population keeps an engine checkpoint as it
        trains, filed under the name of its step; the same call after an interruption reads
        the finished populations back and resumes the interrupted one, and ends with the report
        of an uninterrupted run (a folder left by a call with other arguments is emptied
        first). ``None``: no checkpoints.
      **options: shortcuts for the fields of ``judging`` (``metric``, ``tolerance``, ``k``).

    Returns:
      The report: ``hyperparameters`` (``learning_rate``, ``momentum``, ``use_decay``,
      ``use_cyclical``, ``best_optimizer``..., ``final``: the test metrics of the chosen
      configuration, and ``final_val``: the validation metrics it was chosen on),
      ``decisions``, ``red_flags``, ``results``.

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w ** 2), jnp.ones((3, 2)))
      >>> budget = js.tune.Budget.quick(epochs=10, train_epochs=10, num_rates=5, num_momenta=3,
      ...                               line_points=5, final_points=5)
      >>> report = js.tune.recipe(prob, budget=budget, optimizers=(), progress=False, log=None)
      >>> round(report.hyperparameters["learning_rate"], 3), [f.code for f in report.red_flags]
      (0.562, [])

    References:
      The seven steps are a practitioner's procedure for choosing the optimization
      hyperparameters of a new problem ("I came up with a step-by-step procedure that I now
      follow for every problem", a blog post largely inspired by Smith 2018 and Jordan 2018).

      - L. N. Smith, "A disciplined approach to neural network hyper-parameters: Part 1 --
        learning rate, batch size, momentum, and weight decay", arXiv:1803.09820, 2018
        (steps 2 and 3: range tests, momentum).
      - L. N. Smith, "Cyclical learning rates for training neural networks", WACV 2017, and
        L. N. Smith and N. Topin, "Super-convergence: very fast training of neural networks
        using large learning rates", arXiv:1708.07120, 2017 (step 5).
      - fastai's ``lr_find`` (the ramp shown beside the parallel test in step 2).
      - I. J. Goodfellow, O. Vinyals and A. M. Saxe, "Qualitatively characterizing neural
        network optimization problems", ICLR 2015, and H. Li, Z. Xu, G. Taylor, C. Studer and
        T. Goldstein, "Visualizing the loss landscape of neural nets", NeurIPS 2018 (the line
        plots of steps 1 and 7; filter-normalised directions).
    """
    ctx = RecipeContext.build(
        prob,
        budget=budget,
        quick=quick,
        seed=seed,
        optimizers=optimizers,
        plateau=plateau,
        judging=judging,
        progress=progress,
        log=log,
        **options,
    )
    if checkpoint_dir is None:
        return run_steps(ctx)
    with resumable(checkpoint_dir, ctx.resume_key(_versions())) as found:
        if found:
            ctx.say(f"resuming: {found} saved population(s) in {checkpoint_dir} are read back")
        return run_steps(ctx, resumed=found)


def run_steps(ctx: RecipeContext, resumed: int = 0) -> Report:
    """The steps of :func:`recipe` on a checked context: each step gets the choices of the
    steps before it (:class:`~jaxscape.tune.seven_steps.chosen.Chosen`) and their results, and
    returns its :class:`~jaxscape.tune.seven_steps.steps.StepOutcome`; its populations' checkpoints
    are filed under its name.

    Args:
      ctx: the context (:meth:`RecipeContext.build`).
      resumed: how many saved populations were found (recorded in ``info``).

    Returns:
      The :class:`~jaxscape.tune.Report`.
    """
    clock = _Clock(ctx.log)
    ctx.say(
        f"jaxscape recipe: {ctx.prob.name}, {ctx.prob.num_params:,} parameters, batch "
        f"{ctx.batch_size}, {ctx.steps_per_epoch} steps/epoch; N = {ctx.budget.epochs:g} epochs,"
        f" long runs {ctx.budget.train_epochs:g} epochs x {ctx.budget.seeds} seeds"
    )
    chosen, results, decisions, flags = Chosen(), {}, [], []
    for step in STEPS:
        clock.begin(step.number, step.describe(ctx, chosen, results))
        with checkpoint_step(step.name):
            out = step.run(ctx, chosen, results)
        clock.end(step.name, out.note)
        chosen, results = out.chosen, {**results, **out.results}
        decisions += out.decisions
        flags += out.flags
    hyper, final = conclude(ctx, chosen, results)
    wall = time.perf_counter() - clock.start
    info = _info(ctx, wall, resumed, clock.times)
    ctx.say(f"recipe finished in {wall:.1f} s")
    return Report(hyper, (*decisions, final), tuple(flags), results, info)


def _info(ctx: RecipeContext, wall: float, resumed: int, times: dict[str, float]) -> dict:
    """The run's record: problem, budgets, seeds, times, versions, devices, date."""
    return {
        "problem": ctx.prob.name,
        "data": repr(ctx.prob.data),
        "num_params": ctx.prob.num_params,
        "loss": ctx.prob.loss_name,
        "metric": ctx.metric,
        "batch_size": ctx.batch_size,
        "steps_per_epoch": ctx.steps_per_epoch,
        "seed": ctx.seed,
        "seeds": ctx.seeds.tolist(),
        "budget": ctx.budget.to_dict(),
        "optimizers": ["sgd", *ctx.others],
        "wall_time_s": round(wall, 1),
        "resumed_populations": resumed,
        "step_times_s": times,
        "versions": _versions(),
        "backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def _versions() -> dict[str, str]:
    import importlib.metadata

    import flax
    import optax

    return {
        "jaxscape": importlib.metadata.version("jaxscape"),
        "jax": jax.__version__,
        "numpy": np.__version__,
        "optax": optax.__version__,
        "flax": flax.__version__,
        "python": platform.python_version(),
    }
