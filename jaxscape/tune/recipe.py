"""``recipe``: the practitioner's seven steps end to end, with decisions and red flags.

1. a line search through the initial weights (along a briefly trained direction);
2. a learning-rate range test (parallel; a ramp alongside for comparison);
3. a momentum range test at the chosen rate, then a confirmation with and without momentum;
4. does power decay help (``alpha = (2/3)^(1/M)``, M the plateau epoch)?
5. does a cyclical rate help (2x down to 1/2x over M epochs, then back)?
6. do other optimizers do better, each with its own rate search?
7. a line search from the initial to the trained weights.

Every decision is a stated rule applied to measured numbers, and every step's results feed the
red flags of :mod:`jaxscape.tune.flags`. Every choice scores the validation split; the test
split is evaluated once, at the end, for the chosen configuration only (``final``), beside the
validation numbers it was chosen on (``final_val``).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import platform
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np

from jaxscape import data as jdata
from jaxscape import models
from jaxscape._checks import check_range
from jaxscape.optim import sgd, with_schedule
from jaxscape.problem import Problem
from jaxscape.schedules import policy, power_decay_alpha
from jaxscape.tune import flags as fl
from jaxscape.tune._common import (
    chance_accuracy,
    check_metric,
    check_problem,
    check_seed,
    choice_split,
    choice_split_size,
    has_val,
    initial_metrics,
    seed_mean,
)
from jaxscape.tune._final import final_entries
from jaxscape.tune._resume import resumable
from jaxscape.tune.budget import Budget
from jaxscape.tune.line_search import (
    DirectionFailed,
    barrier,
    final_line_search,
    initial_line_search,
)
from jaxscape.tune.lr_range import lr_range_test
from jaxscape.tune.momentum_range import confirm_momentum, momentum_range_test
from jaxscape.tune.optimizers import FAMILIES, compare_optimizers
from jaxscape.tune.plateau import plateau_epoch
from jaxscape.tune.report import Decision, Report
from jaxscape.tune.schedule_check import check_schedules

STEPS = 7


def default_problem() -> Problem:
    """The recipe's default: the small CNN (width 0.25, 22.6K parameters) on the embedded
    digits."""
    return Problem.from_model(models.CNN(width=0.25), jdata.digits())


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
            self.log(f"[{i}/{STEPS}] {what}")

    def end(self, key: str, result: str) -> None:
        now = time.perf_counter()
        self.times[key] = round(now - self.step_start, 2)
        if self.log:
            took, total = now - self.step_start, now - self.start
            self.log(f"      -> {result}  ({took:.1f} s, total {total:.1f} s)")


def _describe_initial_line(line, start_loss: float) -> str:
    a = line.alphas
    loss = line.metrics["train_loss"]
    i = int(np.nanargmin(loss))
    text = f"the training loss is {start_loss:.3g} at the initial weights (alpha 0)"
    text += f" and lowest, {loss[i]:.3g}, at alpha {a[i]:.2f}"
    acc = line.metrics.get("val_accuracy")
    if acc is not None and np.any(np.isfinite(acc)):
        j = int(np.nanargmax(acc))
        text += f"; validation accuracy peaks at {acc[j]:.3g} (alpha {a[j]:.2f})"
    beyond = np.flatnonzero((a > a[i]) & (loss > start_loss))
    if beyond.size:
        text += (
            f"; beyond alpha {a[beyond[0]]:.2f} the loss is back above its initial value: "
            "the cliff a too-large step falls off"
        )
    return text + "."


def recipe(
    prob: Problem | None = None,
    *,
    budget: Budget | None = None,
    quick: bool = False,
    seed: int = 0,
    optimizers: Sequence[str] = ("adam",),
    plateau: float | None = None,
    metric: str | None = None,
    tolerance: float | None = None,
    k: float = 2.0,
    progress: bool = True,
    log: Callable[[str], None] | None = print,
    checkpoint_dir: str | os.PathLike | None = None,
) -> Report:
    """Run the seven steps and return a :class:`~jaxscape.tune.Report`.

    Args:
      prob: the problem (default: :func:`default_problem`, the small CNN on digits).
      budget: every budget (:class:`~jaxscape.tune.budget.Budget`); default ``Budget()``, or
        ``Budget.quick()`` with ``quick=True``.
      quick: shorten every budget (smoke tests).
      seed: the first seed; the seeded comparisons use ``seed, ..., seed + budget.seeds - 1``
        and the range tests ``seed``.
      optimizers: the families compared with the tuned SGD in step 6 (names from
        :data:`jaxscape.tune.optimizers.FAMILIES`), each with its own rate search.
      plateau: the plateau epoch M (default: read from step 3's long runs).
      metric: the metric every choice scores (default validation accuracy, else validation
        loss; a problem without a validation split scores training metrics). The test split
        is never scored: it is evaluated once, at the end, for the chosen configuration.
      tolerance: the band tolerance of the range tests (default 0.02 for accuracies).
      k: the verdicts' threshold in standard errors.
      progress: show the engine's progress bars.
      log: where the one-line-per-step progress goes (``None``: silent).
      checkpoint_dir: a folder where every population keeps an engine checkpoint as it
        trains; the same call after an interruption reads the finished populations back and
        resumes the interrupted one, and ends with the report of an uninterrupted run (a folder
        left by a call with other arguments is emptied first). ``None``: no checkpoints.

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
    """
    prob = default_problem() if prob is None else check_problem(prob)
    if budget is None:
        budget = Budget.quick() if quick else Budget()
    elif not isinstance(budget, Budget):
        raise TypeError(f"budget must be a jaxscape.tune.Budget, got {type(budget).__name__}")
    seed = check_seed(seed)
    if isinstance(optimizers, str):
        optimizers = (optimizers,)
    others = [o for o in optimizers if o != "sgd"]
    for o in others:
        if o not in FAMILIES:
            raise ValueError(f"unknown optimizer {o!r} in optimizers; known: {sorted(FAMILIES)}")
    if plateau is not None:
        check_range("plateau", plateau, low=0.0, low_open=True)
    metric = check_metric(prob, metric)
    check_range("k", k, low=0.0)
    bs = budget.batch_size
    if prob.data is not None and bs >= prob.data.n_train:
        bs = None
    seeds = np.arange(seed, seed + budget.seeds, dtype=np.int64)
    spe = prob.steps_per_epoch(bs)
    args = dict(
        prob=prob,
        budget=budget,
        seed=seed,
        others=others,
        plateau=plateau,
        metric=metric,
        tolerance=tolerance,
        k=k,
        bs=bs,
        seeds=seeds,
        spe=spe,
        progress=progress,
        log=log,
    )
    if checkpoint_dir is None:
        return _seven_steps(**args)
    key = {
        "problem": prob.name,
        "num_params": prob.num_params,
        "data": repr(prob.data),
        "loss": prob.loss_name,
        "budget": budget.to_dict(),
        "seed": seed,
        "optimizers": others,
        "plateau": plateau,
        "metric": metric,
        "tolerance": tolerance,
        "k": k,
        "versions": _versions(),
    }
    with resumable(checkpoint_dir, key) as found:
        if log and found:
            log(f"resuming: {found} saved population(s) in {checkpoint_dir} are read back")
        return _seven_steps(**args, resumed=found)


def _seven_steps(
    *,
    prob: Problem,
    budget: Budget,
    seed: int,
    others: list[str],
    plateau: float | None,
    metric: str,
    tolerance: float | None,
    k: float,
    bs: int | None,
    seeds: np.ndarray,
    spe: int,
    progress: bool,
    log: Callable[[str], None] | None,
    resumed: int = 0,
) -> Report:
    """The steps of :func:`recipe`, on checked arguments."""
    clock = _Clock(log)
    flags: list[fl.RedFlag | None] = []
    decisions: list[Decision] = []
    results: dict[str, Any] = {}
    if log:
        log(
            f"jaxscape recipe: {prob.name}, {prob.num_params:,} parameters, batch {bs}, "
            f"{spe} steps/epoch; N = {budget.epochs:g} epochs, long runs {budget.train_epochs:g}"
            f" epochs x {budget.seeds} seeds"
        )

    # ---------------------------------------------------------------- 1. initial line
    start = initial_metrics(prob, seed)
    kind = "trained" if budget.direction_steps > 0 else "random"
    clock.begin(
        1,
        "initial line search along "
        + (
            f"a direction found by {budget.direction_steps} Adam steps on a subset"
            if kind == "trained"
            else "a random filter-normalised direction"
        )
        + f" ({budget.line_points} points)",
    )
    alphas = (
        np.linspace(-0.5, 4.0, budget.line_points)
        if kind == "trained"
        else np.linspace(-1.0, 1.0, budget.line_points)
    )
    try:
        init_line = initial_line_search(
            prob,
            direction=kind,
            seed=seed,
            alphas=alphas,
            train_steps=max(budget.direction_steps, 1),
            batch_size=bs,
            progress=progress,
        )
    except DirectionFailed as err:  # only the brief training's divergence: say so, flag it
        kind = "random"
        init_line = initial_line_search(
            prob,
            direction="random",
            seed=seed,
            alphas=np.linspace(-1, 1, budget.line_points),
            progress=progress,
        )
        decisions.append(
            Decision(
                "1. initial line search",
                "direction = random filter-normalised (fallback)",
                f"the trained direction failed: {err}. The line is drawn along a random "
                "direction instead, which shows the local shape but not the descent.",
            )
        )
        flags.append(fl.direction_fallback_flag(str(err)))
    results["initial_line"] = init_line
    flags.append(fl.initial_loss_flag(start["train_loss"], prob.num_classes, prob.loss_name))
    line_text = _describe_initial_line(init_line, start["train_loss"])
    decisions.append(Decision("1. initial line search", "(intuition, no choice)", line_text))
    clock.end("1_initial_line", line_text.split(";")[0])

    # ---------------------------------------------------------------- 2. learning rate
    steps_n = max(1, round(budget.epochs * spe))
    clock.begin(
        2,
        f"learning-rate range test: {budget.num_rates} rates in [{budget.min_lr:g}, "
        f"{budget.max_lr:g}] x {steps_n} steps, one population (SGD, no momentum)"
        + (f"; plus a {budget.ramp_steps}-step ramp" if budget.ramp_steps else ""),
    )
    lr_test = lr_range_test(
        prob,
        sgd,
        min_lr=budget.min_lr,
        max_lr=budget.max_lr,
        num=budget.num_rates,
        epochs=budget.epochs,
        metric=metric,
        tolerance=tolerance,
        batch_size=bs,
        seed=seed,
        progress=progress,
    )
    results["lr_range"] = lr_test
    if budget.ramp_steps:
        results["lr_ramp"] = lr_range_test(
            prob,
            sgd,
            mode="ramp",
            min_lr=budget.min_lr,
            max_lr=budget.max_lr,
            num=budget.ramp_steps,
            batch_size=bs,
            seed=seed,
            progress=progress,
        )
    lr = lr_test.suggestion
    if math.isfinite(lr):
        band = lr_test.band
        why = (
            f"centre of the band {band.lo:.3g}–{band.hi:.3g} where the final {metric} after "
            f"{steps_n} steps is within {band.tolerance:.3g} of the best ({band.best_score:.4g} "
            f"at {band.best:.3g}); "
            + (
                f"runs fail from {lr_test.divergence:.3g} on"
                if lr_test.divergence
                else "no run failed above the best"
            )
        )
    else:
        lr = float(lr_test.values[0])
        why = "every run failed; falling back to the smallest rate tried (see the red flags)"
        flags.append(fl.search_failed_flag(lr_test, lr, step="2. learning-rate range test"))
    if "lr_ramp" in results:
        ramp = results["lr_ramp"]
        shown = ", ".join(f"{r} {v:.3g}" for r, v in ramp.suggestions.items() if math.isfinite(v))
        why += f". For comparison, the ramp's rules suggest {shown or 'nothing (too short)'}"
        if ramp.divergence:
            why += f", and its smoothed loss passes 4x its best at {ramp.divergence:.3g}"
    decisions.append(Decision("2. learning rate", f"learning_rate = {lr:.4g}", why + "."))
    step2 = "2. learning-rate range test"
    flags += [
        fl.no_progress_flag(lr_test, step=step2),
        fl.loss_rises_flag(lr_test, step=step2),
        fl.nonfinite_flag(lr_test, step=step2),
        fl.edge_flag(lr_test, step=step2),
    ]
    clock.end("2_learning_rate", f"learning_rate {lr:.4g}")

    # ---------------------------------------------------------------- 3. momentum
    long_steps = max(1, round(budget.train_epochs * spe))
    clock.begin(
        3,
        f"momentum range test at learning_rate {lr:.4g}: {budget.num_momenta} momenta x "
        f"{steps_n} steps; then with/without momentum, {budget.seeds} seeds x {long_steps} steps",
    )
    mom_test = momentum_range_test(
        prob,
        lr,
        num=budget.num_momenta,
        epochs=budget.epochs,
        metric=metric,
        tolerance=tolerance,
        batch_size=bs,
        seed=seed,
        progress=progress,
    )
    results["momentum_range"] = mom_test
    m = mom_test.suggestion if math.isfinite(mom_test.suggestion) else 0.0
    confirm = None
    momentum = 0.0
    if m > 0:
        confirm = confirm_momentum(
            prob,
            lr,
            m,
            epochs=budget.train_epochs,
            seeds=seeds,
            metric=metric,
            k=k,
            batch_size=bs,
            progress=progress,
        )
        results["momentum_confirm"] = confirm
        verdict = confirm.verdicts[confirm.arms[1]]
        momentum = m if verdict.adopt else 0.0
        why = (
            f"the momentum test's band centre is {m:.3g} (band {mom_test.band.lo:.3g}–"
            f"{mom_test.band.hi:.3g}). {verdict.reason}"
        )
    else:
        why = (
            "the momentum test's band centre is 0: at this rate momentum does not help within "
            f"{steps_n} steps"
            + (f" (band {mom_test.band.lo:.3g}–{mom_test.band.hi:.3g})" if mom_test.band else "")
        )
    decisions.append(Decision("3. momentum", f"momentum = {momentum:.3g}", why))
    flags.append(fl.edge_flag(mom_test, step="3. momentum range test"))
    clock.end("3_momentum", f"momentum {momentum:.3g}")

    # ---------------------------------------------------------------- 4. + 5. schedules
    plateau_metric = f"{choice_split(prob)}_loss"
    found = None
    if plateau is None and confirm is not None:
        arm = confirm.arms[1] if momentum > 0 else confirm.arms[0]
        curve = seed_mean(confirm.curves[arm][plateau_metric])
        found = plateau_epoch(confirm.epochs, curve, plateau_metric)
        plateau = found.epoch
    clock.begin(
        "4-5",
        "decay and cyclical checks: constant vs power decay vs cyclical"
        + (f" (M = {plateau:g})" if plateau else " (M read from a baseline run first)")
        + f", {budget.seeds} seeds x {long_steps} steps, one population",
    )
    sched = check_schedules(
        prob,
        lr,
        hyperparams={"momentum": momentum},
        plateau=plateau,
        plateau_metric=plateau_metric,
        epochs=budget.train_epochs,
        seeds=seeds,
        metric=metric,
        k=k,
        batch_size=bs,
        keep_params=True,
        progress=progress,
    )
    if found is not None:
        sched.plateau = found
    results["schedules"] = sched
    m_epoch = sched.plateau.epoch
    v_decay, v_cycle = sched.verdicts["decay"], sched.verdicts["cyclical"]
    use_decay, use_cyclical = v_decay.adopt, v_cycle.adopt
    both = ""
    if use_decay and use_cyclical:  # tested separately: keep only the stronger one
        if v_decay.effect >= v_cycle.effect:
            use_cyclical = False
        else:
            use_decay = False
        both = (
            " Both helped, each tested against the constant rate; their combination was not "
            "tested, so only the larger improvement is kept."
        )
    alpha = float(power_decay_alpha(m_epoch))
    plateau_why = f"M = {m_epoch}: {sched.plateau.rule}" if sched.plateau.rule else f"M = {m_epoch}"
    decisions.append(
        Decision(
            "4. learning-rate decay",
            f"use_decay = {use_decay} (alpha = (2/3)^(1/{m_epoch}) = {alpha:.4g} per epoch)",
            f"{plateau_why}. {v_decay.reason}{both if use_decay or both else ''}",
        )
    )
    decisions.append(
        Decision(
            "5. cyclical learning rate",
            f"use_cyclical = {use_cyclical} (2x down to 1/2x over {m_epoch} epochs)",
            v_cycle.reason + (both if use_cyclical else ""),
        )
    )
    clock.end("4_5_schedules", f"use_decay {use_decay}, use_cyclical {use_cyclical}, M {m_epoch}")

    # ---------------------------------------------------------------- 6. optimizers
    sgd_h = {
        "learning_rate": float(lr),
        "momentum": float(momentum),
        "decay": alpha if use_decay else 1.0,
        "cycle_epochs": float(m_epoch) if use_cyclical else 0.0,
        "cycle_high": 2.0 if use_cyclical else 1.0,
        "cycle_low": 0.5 if use_cyclical else 1.0,
        "steps_per_epoch": float(spe),
    }
    specs: dict[str, Any] = {"sgd": (with_schedule(sgd, policy), sgd_h)}
    specs.update({o: o for o in others})
    n_search = budget.num_rates + max(1, round((budget.num_rates - 1) / 5))
    clock.begin(
        6,
        "optimizer comparison: tuned SGD"
        + (
            f" vs {', '.join(others)} (own rate search each: {n_search} rates in "
            f"[{budget.min_lr / 10:g}, {budget.max_lr:g}] x {steps_n} steps)"
            if others
            else ""
        )
        + (
            f"; {budget.seeds} seeds x {long_steps} steps per family (SGD's runs are the "
            "chosen arm of steps 4-5)"
        ),
    )
    opt = compare_optimizers(
        prob,
        specs,
        min_lr=budget.min_lr / 10,
        max_lr=budget.max_lr,
        num=n_search,
        sweep_epochs=budget.epochs,
        epochs=budget.train_epochs,
        seeds=seeds,
        metric=metric,
        tolerance=tolerance,
        k=k,
        batch_size=bs,
        keep_params=True,
        reuse={
            "sgd": (sched, "decay" if use_decay else "cyclical" if use_cyclical else "constant")
        },
        progress=progress,
    )
    results["optimizers"] = opt
    best = opt.best
    cmp = opt.comparison
    best_lr = opt.best_learning_rate
    parts = [f"{a}: final {metric} {cmp.mean_final(a):.4g}" for a in cmp.arms]
    why = f"{'; '.join(parts)} (mean over {len(seeds)} seeds). " + " ".join(
        v.reason for v in cmp.verdicts.values()
    )
    if not others:
        why = f"only the tuned SGD was trained: {parts[0]}."
    decisions.append(
        Decision(
            "6. other optimizers", f"best_optimizer = {best} (learning_rate {best_lr:.4g})", why
        )
    )
    for name, sweep_res in opt.sweeps.items():
        flags.append(fl.edge_flag(sweep_res, step=f"6. {name} rate search"))
        if name in opt.fallbacks:
            rate = float(opt.chosen[name]["learning_rate"])
            decisions.append(
                Decision(
                    f"6. {name} rate search",
                    f"{name} learning_rate = {rate:.4g} (fallback)",
                    opt.fallbacks[name] + ".",
                )
            )
            flags.append(fl.search_failed_flag(sweep_res, rate, step=f"6. {name} rate search"))
    if "accuracy" in metric:
        accs = [cmp.mean_final(a, metric) for a in cmp.arms]
        finite = [a for a in accs if math.isfinite(a)]
        flags.append(
            fl.chance_flag(
                max(finite) if finite else float("nan"),
                chance_accuracy(prob),
                choice_split_size(prob),
                split="validation" if has_val(prob) else "training",
            )
        )
    clock.end("6_optimizers", f"best_optimizer {best} (learning_rate {best_lr:.4g})")

    # ---------------------------------------------------------------- 7. final line
    clock.begin(
        7,
        f"final line search: initial -> trained weights ({best}, seed {seeds[0]}), "
        f"{budget.final_points} points",
    )
    params0, state0 = prob.init(jax.random.key(int(seeds[0])))
    params1 = jax.tree.map(lambda x: x[0], cmp.params[best])
    final_line = final_line_search(
        prob,
        params0,
        params1,
        state=state0,
        alphas=np.linspace(-0.5, 1.5, budget.final_points),
        progress=progress,
    )
    results["final_line"] = final_line
    b = barrier(final_line)
    gap_name = "accuracy" if "train_accuracy" in final_line.metrics else "loss"
    at_end = {
        f"{s}_{n}": final_line.value_at(1.0, f"{s}_{n}")
        for s in ("train", "val")
        for n in prob.metric_names
        if f"{s}_{n}" in final_line.metrics
    }
    if has_val(prob):
        flags.append(fl.gap_flag(at_end[f"train_{gap_name}"], at_end[f"val_{gap_name}"], gap_name))
    flags.append(fl.barrier_flag(final_line))
    line_why = (
        "at the trained weights (alpha 1): "
        + ", ".join(f"{k.replace('_', ' ')} {v:.4g}" for k, v in at_end.items())
        + (
            f"; a barrier of {b.height:.3g} at alpha {b.alpha:.2f}"
            if b.height > 0
            else "; the training loss falls without a bump from the initial to the trained weights"
        )
    )
    decisions.append(Decision("7. final line search", "(closure, no choice)", line_why + "."))
    clock.end("7_final_line", f"barrier {b.height:.3g}")

    # ---------------------------------------------------------------- the one look at test
    final, final_val = final_entries(prob, best, cmp, seeds, metric, at_end)
    decisions.append(_final_decision(best, final, final_val, len(seeds)))
    if log and final is not None:
        shown = ", ".join(f"{k} {v:.4g}" for k, v in final["mean_over_seeds"].items())
        log(f"test split, evaluated once for the chosen configuration: {shown}")

    red = [f for f in flags if f is not None]
    if best == "sgd":
        schedule = "power decay" if use_decay else "cyclical" if use_cyclical else "constant"
        best_h = {"learning_rate": float(lr), "momentum": float(momentum), "schedule": schedule}
    else:
        best_h = {k: v for k, v in opt.chosen[best].items() if isinstance(v, int | float | str)}
    hyper = {
        "learning_rate": float(lr),
        "momentum": float(momentum),
        "use_decay": bool(use_decay),
        "use_cyclical": bool(use_cyclical),
        "plateau_epoch": int(m_epoch),
        "decay": alpha if use_decay else None,
        "cycle": {"epochs": int(m_epoch), "high": 2.0, "low": 0.5} if use_cyclical else None,
        "best_optimizer": {"name": best, **best_h},
        "final": final,
        "final_val": final_val,
    }
    wall = time.perf_counter() - clock.start
    info = {
        "problem": prob.name,
        "data": repr(prob.data),
        "num_params": prob.num_params,
        "loss": prob.loss_name,
        "metric": metric,
        "batch_size": bs,
        "steps_per_epoch": spe,
        "seed": seed,
        "seeds": seeds.tolist(),
        "budget": budget.to_dict(),
        "optimizers": ["sgd", *others],
        "wall_time_s": round(wall, 1),
        "resumed_populations": resumed,
        "step_times_s": clock.times,
        "versions": _versions(),
        "backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    report = Report(hyper, decisions, red, results, info)
    if log:
        log(f"recipe finished in {wall:.1f} s")
    return report


def _final_decision(best: str, final: dict | None, final_val: dict, n_seeds: int) -> Decision:
    """The report's statement of the final numbers and the split each comes from."""
    chosen_on = ", ".join(f"{k} {v:.4g}" for k, v in final_val["mean_over_seeds"].items())
    split = {"val": "validation", "train": "training"}[final_val["split"]]
    why = f"chosen on the {split} split: {chosen_on} (mean over {n_seeds} seeds)"
    if final is None:
        return Decision("final", "(no test split: nothing held out to report)", why + ".")
    shown = ", ".join(f"{k} {v:.4g}" for k, v in final["mean_over_seeds"].items())
    return Decision(
        "final (test split)",
        f"{best}: {shown}",
        f"the test split, evaluated once after every choice, for the chosen configuration "
        f"only ({n_seeds} seeds' trained weights; mean shown); {why}.",
    )


def _versions() -> dict[str, str]:
    import flax
    import optax

    import jaxscape

    return {
        "jaxscape": jaxscape.__version__,
        "jax": jax.__version__,
        "numpy": np.__version__,
        "optax": optax.__version__,
        "flax": flax.__version__,
        "python": platform.python_version(),
    }
