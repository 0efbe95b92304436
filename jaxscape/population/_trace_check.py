"""Refuse, before compiling, an optimizer factory that needs a swept hyperparameter's value.

Inside a population every numeric hyperparameter is a traced ``[N]`` array (that is what lets
one compiled program serve every value). A factory that branches on one in Python — optax's
schedules do: ``optax.exponential_decay`` tests ``if decay_rate == 0`` and ``if
transition_steps <= 0`` — fails deep inside ``jax.vmap`` with a ``TracerBoolConversionError``.
:func:`check_traceable` builds the optimizer once on abstract values (``jax.eval_shape``: no
compilation, no arithmetic), finds which hyperparameters cannot be traced, and raises a
``TypeError`` that names them and points to the :mod:`jaxscape.schedules` equivalent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import optax

from jaxscape.population.programs import memo, problem_key
from jaxscape.population.table import Table
from jaxscape.problem import Problem

#: Errors JAX raises when Python needs the value of a traced array.
TRACER_ERRORS = (
    jax.errors.ConcretizationTypeError,  # includes TracerBoolConversionError
    jax.errors.TracerIntegerConversionError,
    jax.errors.TracerArrayConversionError,
)

#: What one trial's hyperparameter is inside the compiled population.
ABSTRACT = jax.ShapeDtypeStruct((), jnp.float32)

#: optax schedules and the :mod:`jaxscape.schedules` functions computing the same rates.
EQUIVALENTS = {
    "exponential_decay": "exponential_decay (per-step gamma = decay_rate ** (1 / "
    "transition_steps)), or step_decay for staircase=True",
    "cosine_decay_schedule": "cosine_decay",
    "warmup_cosine_decay_schedule": "linear_warmup around cosine_decay",
    "polynomial_schedule": "inverse_time_decay or power_decay",
    "linear_schedule": "linear_ramp",
    "piecewise_constant_schedule": "step_decay",
    "cosine_onecycle_schedule": "one_cycle",
    "linear_onecycle_schedule": "one_cycle",
    "warmup_exponential_decay_schedule": "linear_warmup around exponential_decay",
}


def _fails(build: Callable[[dict[str, Any]], Any], traced: Sequence[str], values: dict) -> Any:
    """The tracer error of ``build`` with ``traced`` abstract and the rest of ``values`` as
    Python numbers (closed over: ``eval_shape`` would abstract its arguments), else ``None``."""

    def partly_traced(hp: dict[str, Any]) -> Any:
        return build({**values, **hp})

    try:
        jax.eval_shape(partly_traced, dict.fromkeys(traced, ABSTRACT))
    except TRACER_ERRORS as err:
        return err
    except Exception:  # any other failure is the compiled run's to report, as before
        return None
    return None


def _culprits(
    build: Callable[[dict[str, Any]], Any], values: dict[str, float], names: Sequence[str]
) -> list[str]:
    """The names that fail when traced alone (the others concrete); all of them if none does."""
    alone = [name for name in names if _fails(build, [name], values) is not None]
    return alone or list(names)


def _optax_function(err: BaseException) -> str | None:
    """The optax function in whose body the traced value was needed, if any."""
    found = None
    tb = err.__traceback__
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module.split(".")[0] == "optax":
            found = tb.tb_frame.f_code.co_name
        tb = tb.tb_next
    return found


def check_traceable(
    prob: Problem, optimizer: Callable[..., optax.GradientTransformation], table: Table
) -> None:
    """Raise ``TypeError`` when ``optimizer`` cannot take the table's numeric hyperparameters as
    traced values.

    Builds ``optimizer(**hparams, **static)`` and runs its ``init`` and one ``update`` on the
    problem's abstract parameters with every numeric hyperparameter an abstract float32 scalar,
    as the compiled population will. Nothing is compiled or computed.

    Example:
      >>> import jax.numpy as jnp, optax, jaxscape as js
      >>> from jaxscape.population.table import make_table
      >>> prob = js.Problem.from_loss(lambda p: jnp.sum(p ** 2), jnp.ones(2))
      >>> opt = lambda learning_rate, decay_rate: optax.sgd(
      ...     optax.exponential_decay(learning_rate, 100, decay_rate))
      >>> check_traceable(prob, opt, make_table({"learning_rate": 0.1, "decay_rate": [0.5, 0.9]},
      ...                                       opt, 0))
      Traceback (most recent call last):
      ...
      TypeError: the optimizer factory branches in Python on ...(s) ['decay_rate'] ...
    """
    names = list(table.numeric)
    if not names:
        return
    key = (problem_key(prob), optimizer, tuple(names), table.static)
    memo("traceable", key, lambda: _check(prob, optimizer, table, names))


def _check(prob: Problem, optimizer: Callable[..., Any], table: Table, names: list) -> bool:
    """:func:`check_traceable`'s work (raises, or returns ``True``: traceable)."""
    params = jax.eval_shape(prob.init, jax.random.key(0))[0]

    def build(hp: dict[str, Any]) -> Any:
        tx = optimizer(**hp, **table.static)
        state = tx.init(params)
        return tx.update(params, state, params)

    first = {k: float(v[0]) for k, v in table.numeric.items()}
    err = _fails(build, names, first)
    if err is None:
        return True
    bad = _culprits(build, first, names)
    where = _optax_function(err)
    label = getattr(optimizer, "__name__", type(optimizer).__name__)
    hint = (
        f" It failed inside optax.{where}, which checks its arguments in Python; the "
        f"equivalent is jaxscape.schedules.{EQUIVALENTS.get(where, where)}."
        if where
        else ""
    )
    raise TypeError(
        f"the optimizer factory branches in Python on the swept hyperparameter(s) {bad} "
        f"(optimizer {label}): in a population each numeric hyperparameter is a traced array, "
        f"so `if`, `float()` or `int()` on it fails ({type(err).__name__}).{hint} Build "
        "schedules from jaxscape.schedules, whose parameters may be traced, e.g. "
        "optimizer=jaxscape.optim.with_schedule(jaxscape.optim.sgd, "
        "jaxscape.schedules.exponential_decay) with columns learning_rate and gamma; or fix "
        "the value inside the factory (functools.partial)."
    ) from err
