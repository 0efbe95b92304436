"""One interval of a PBT run (or of its replay): a sweep continuing where the last one stopped."""

from __future__ import annotations

from typing import Any

from jaxscape.population.sweep import sweep


def run_interval(prob, optimizer, table, a, b, state, ev: int, seed: int, kw: dict) -> Any:
    """Train the interval ``[a, b)`` as one :func:`jaxscape.sweep` continuing ``state``
    (``None``: from initialisation), keeping where it stopped for the next interval."""
    steps = int(b - a)
    return sweep(
        prob,
        optimizer,
        table,
        steps=steps,
        start=state,
        keep_state=True,
        eval_every=min(ev, steps),
        seed=seed,
        **kw,
    )
