"""The table columns a problem's loss consumes (``Problem.hyperparams``), beside the optimizer's.

A sweep's table is checked against the optimizer factory (unknown and missing names, each row
built once on the host, the trace check). :func:`table_factory` gives that check a factory
that also takes the loss's columns, and the compiled step hands the optimizer only its own
(``StepConfig.tx``) and the loss the rest (``hp``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from jaxscape._checks import check_callable

_KEYWORD_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def check_hyperparams(prob: Any, columns: Any) -> None:
    """Raise ``ValueError`` when the table's numeric ``columns`` lack a hyperparameter that
    ``prob``'s loss declares (``Problem.hyperparams``).

    Example:
      >>> import jax.numpy as jnp, jaxscape as js
      >>> loss = lambda p, s, b, key, hp: (hp["scale"] * jnp.sum(p ** 2), s, {})
      >>> prob = js.Problem.from_custom_loss(lambda key: (jnp.ones(2), {}), loss,
      ...                                    hyperparams=("scale",))
      >>> check_hyperparams(prob, ["learning_rate"])
      Traceback (most recent call last):
      ...
      ValueError: the loss of 'custom loss' takes hyperparameter(s) ['scale'], ...
    """
    missing = [name for name in prob.hyperparams if name not in set(columns)]
    if missing:
        raise ValueError(
            f"the loss of {prob.name!r} takes hyperparameter(s) {missing}, missing from the "
            "table: give each a numeric column (one value for all trials, or one per trial)"
        )


def optimizer_columns(prob: Any, columns: Any) -> list[str]:
    """The names among ``columns`` that go to the optimizer: those ``prob`` does not consume.

    >>> import jax.numpy as jnp, jaxscape as js
    >>> loss = lambda p, s, b, key, hp: (hp["scale"] * jnp.sum(p ** 2), s, {})
    >>> prob = js.Problem.from_custom_loss(lambda key: (jnp.ones(2), {}), loss,
    ...                                    hyperparams=("scale",))
    >>> optimizer_columns(prob, ["learning_rate", "scale"])
    ['learning_rate']
    """
    return [name for name in columns if name not in prob.hyperparams]


def table_factory(prob: Any, optimizer: Callable[..., Any]) -> Callable[..., Any]:
    """``optimizer`` as a sweep's table sees it: it also takes ``prob.hyperparams``, each a
    required keyword, and drops them (they go to the loss, see ``StepConfig.tx``).

    ``optimizer`` itself when the problem consumes no column (and when it is already such a
    factory). The table's checks (unknown and missing names, a row per trial built once on the
    host, the trace check) then treat the loss's columns like the optimizer's.

    Example:
      >>> import jax.numpy as jnp, inspect, jaxscape as js
      >>> loss = lambda p, s, b, key, hp: (hp["scale"] * jnp.sum(p ** 2), s, {})
      >>> prob = js.Problem.from_custom_loss(lambda key: (jnp.ones(2), {}), loss,
      ...                                    hyperparams=("scale",))
      >>> make = table_factory(prob, js.optim.sgd)
      >>> "scale" in inspect.signature(make).parameters
      True
      >>> opt = make(learning_rate=0.1, scale=2.0)  # scale is the loss's
    """
    names = prob.hyperparams
    if not names or getattr(optimizer, "loss_hyperparams", None) == names:
        return optimizer
    check_callable("optimizer", optimizer)
    try:
        params = list(inspect.signature(optimizer).parameters.values())
    except (TypeError, ValueError):
        params = [inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)]
    keyword = [p.replace(kind=p.KEYWORD_ONLY) for p in params if p.kind in _KEYWORD_KINDS]
    keyword = [p for p in keyword if p.name not in names]
    var = [p for p in params if p.kind is p.VAR_KEYWORD]
    own = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in names]
    label = getattr(optimizer, "__name__", type(optimizer).__name__)
    owner = prob.name  # the closure holds names and strings only (checkpoint identities)

    def wrapped(**kwargs: Any) -> Any:
        for name in names:
            value = kwargs.get(name, 0.0)
            if isinstance(value, bool | str) or value is None or callable(value):
                raise TypeError(
                    f"table[{name!r}] must be numbers: the loss of {owner!r} takes it as "
                    f"a per-trial value, got {value!r}"
                )
        return optimizer(**{k: v for k, v in kwargs.items() if k not in names})

    wrapped.__signature__ = inspect.Signature([*keyword, *own, *var])  # type: ignore[attr-defined]
    wrapped.__name__ = label
    wrapped.__qualname__ = f"table_factory({getattr(optimizer, '__qualname__', label)}, {names})"
    wrapped.loss_hyperparams = names  # type: ignore[attr-defined]
    wrapped.optimizer = optimizer  # type: ignore[attr-defined]
    return wrapped
