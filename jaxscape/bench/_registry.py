"""Optimizers ``jaxscape bench`` knows by name, their torch.optim peers, and size parsing."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import optax

from jaxscape import optim

LR = 1e-3

#: name -> factory of a GradientTransformation (default hyperparameters, learning rate ``LR``).
NAMED: dict[str, Callable[[], optax.GradientTransformation]] = {
    "sgd": lambda: optim.sgd(LR),
    "momentum": lambda: optim.sgd(LR, momentum=0.9),
    "adam": lambda: optim.adam(LR),
    "adamw": lambda: optim.adamw(LR),
    "adamax": lambda: optim.adamax(LR),
    "nadam": lambda: optim.nadam(LR),
    "rmsprop": lambda: optim.rmsprop(LR),
    "adagrad": lambda: optim.adagrad(LR),
    "adadelta": lambda: optim.adadelta(LR),
    "optax.sgd": lambda: optax.sgd(LR),
    "optax.momentum": lambda: optax.sgd(LR, momentum=0.9),
    "optax.adam": lambda: optax.adam(LR),
    "optax.adamw": lambda: optax.adamw(LR),
    "optax.rmsprop": lambda: optax.rmsprop(LR),
    "optax.adagrad": lambda: optax.adagrad(LR),
}

#: our name -> (torch.optim class name, keyword arguments) of the same update rule.
TORCH_PEERS: dict[str, tuple[str, dict[str, Any]]] = {
    "sgd": ("SGD", {}),
    "momentum": ("SGD", {"momentum": 0.9}),
    "adam": ("Adam", {}),
    "adamw": ("AdamW", {}),
    "adamax": ("Adamax", {}),
    "nadam": ("NAdam", {}),
    "rmsprop": ("RMSprop", {}),
    "adagrad": ("Adagrad", {}),
    "adadelta": ("Adadelta", {}),
}


def peer_name(name: str) -> str | None:
    """The torch peer of a named optimizer (``"optax.adam"`` shares ``"adam"``'s), or None."""
    base = name.removeprefix("optax.")
    return base if base in TORCH_PEERS else None


def resolve(
    transformations: Mapping[str, Any] | Sequence[str],
) -> dict[str, optax.GradientTransformation]:
    """``{name: GradientTransformation}`` from names and/or transformations or factories.

    Raises ``ValueError`` for an unknown name and ``TypeError`` for a value that is neither a
    transformation nor a factory returning one (checked before anything is timed).
    """
    if isinstance(transformations, str):
        raise TypeError("transformations must be a list of names or a mapping, not a string")
    if not isinstance(transformations, Mapping):
        transformations = {name: None for name in transformations}
    if not transformations:
        raise ValueError("transformations is empty")
    out = {}
    for name, value in transformations.items():
        if value is None:
            if name not in NAMED:
                raise ValueError(
                    f"transformations: unknown optimizer {name!r}; known names are "
                    f"{', '.join(NAMED)} (or pass a GradientTransformation)"
                )
            value = NAMED[name]
        if callable(value) and not isinstance(value, optax.GradientTransformation):
            value = value()
        if not isinstance(value, optax.GradientTransformation):
            raise TypeError(
                f"transformations[{name!r}] must be an optax GradientTransformation or a "
                f"factory returning one, got {type(value).__name__}"
            )
        out[str(name)] = value
    return out


def parse_size(text: str | int) -> int:
    """A parameter count from ``"16M"``-style text (suffixes K, M, B or G) or an int.

    >>> parse_size("16.8M"), parse_size("1B"), parse_size(5000)
    (16800000, 1000000000, 5000)
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if not isinstance(text, str):
        raise TypeError(f"sizes must be ints or text like '16M', got {type(text).__name__}")
    clean = text.strip().upper()
    scale = {"K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9}.get(clean[-1:], 1.0)
    number = clean[:-1] if clean[-1:] in "KMBG" else clean
    try:
        return round(float(number) * scale)
    except ValueError:
        raise ValueError(f"sizes: cannot read {text!r}; use e.g. 1M, 16.8M, 1B") from None


def size_label(n: int) -> str:
    """``16_800_000 -> "16.8M"``.

    >>> size_label(16_800_000), size_label(999)
    ('16.8M', '999')
    """
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= div:
            return f"{n / div:.3g}{suffix}"
    return str(n)
