"""Step 3: the momentum, from a range test at the chosen rate, confirmed over seeds."""

from __future__ import annotations

import math

from jaxscape.tune.comparisons.momentum import confirm_momentum
from jaxscape.tune.range_tests.momentum import momentum_range_test
from jaxscape.tune.seven_steps import flags as fl
from jaxscape.tune.seven_steps.chosen import Chosen
from jaxscape.tune.seven_steps.context import RecipeContext
from jaxscape.tune.seven_steps.report import Decision
from jaxscape.tune.seven_steps.steps.outcome import Earlier, StepOutcome


def describe(ctx: RecipeContext, chosen: Chosen, earlier: Earlier) -> str:
    """The progress line of step 3."""
    b = ctx.budget
    return (
        f"momentum range test at learning_rate {chosen.learning_rate:.4g}: {b.num_momenta} "
        f"momenta x {ctx.range_steps} steps; then with/without momentum, {b.seeds} seeds x "
        f"{ctx.long_steps} steps"
    )


def run(ctx: RecipeContext, chosen: Chosen, earlier: Earlier) -> StepOutcome:
    """Train SGD at ``chosen.learning_rate`` with ``budget.num_momenta`` momenta as one
    population and take the centre of the band (Smith 2018, section 4.3); when it is above 0,
    train with and without it over ``seeds`` and keep it only on a paired verdict of ``k``
    standard errors.

    Returns:
      ``chosen.momentum`` set (0 when it did not help); ``results = {"momentum_range": ...}``
      and ``"momentum_confirm"`` (the seeded comparison) when one ran.
    """
    lr = chosen.learning_rate
    test = momentum_range_test(ctx.prob, lr, num=ctx.budget.num_momenta, **ctx.range_kwargs())
    results = {"momentum_range": test}
    m = test.suggestion if math.isfinite(test.suggestion) else 0.0
    momentum = 0.0
    if m > 0:
        confirm = confirm_momentum(ctx.prob, lr, m, keep_params=True, **ctx.seeded_kwargs())
        results["momentum_confirm"] = confirm
        verdict = confirm.verdicts[confirm.arms[1]]
        momentum = m if verdict.adopt else 0.0
        why = (
            f"the momentum test's band centre is {m:.3g} (band {test.band.lo:.3g}–"
            f"{test.band.hi:.3g}). {verdict.reason}"
        )
    else:
        why = (
            "the momentum test's band centre is 0: at this rate momentum does not help within "
            f"{ctx.range_steps} steps"
            + (f" (band {test.band.lo:.3g}–{test.band.hi:.3g})" if test.band else "")
        )
    decision = Decision("3. momentum", f"momentum = {momentum:.3g}", why)
    flag = fl.edge_flag(test, step="3. momentum range test")
    chosen = chosen.replace(momentum=float(momentum))
    return StepOutcome(chosen, results, [decision], [flag], f"momentum {momentum:.3g}")
