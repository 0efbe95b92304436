"""``model_size``: steps and seconds to target against the CNN's width, each optimizer at a
fixed (its best) learning rate — the survey's time-against-size figure."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from jaxscape import data as jdata
from jaxscape.study.survey import OPTIMIZERS
from jaxscape.study.zoo import optimizer_zoo
from jaxscape.study.zoo_result import ZooResult

#: Default width multipliers (1/8 ... 4).
WIDTHS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0)


def model_size(
    rates: Mapping[str, float],
    data: jdata.Dataset | None = None,
    *,
    widths: Sequence[float] = WIDTHS,
    **zoo_kwargs,
) -> ZooResult:
    """Each optimizer of ``rates`` at its rate, on the CNN at every width of ``widths``.

    Architectures of different widths cannot share a population, so each width is its own
    population (one trial per optimizer and width: ``optimizer_zoo`` with one rate).

    Args:
      rates: ``{optimizer name: learning rate}``, e.g. ``ZooResult.best_rates()``.
      data: the dataset (default digits).
      widths: ``[W]`` width multipliers.
      **zoo_kwargs: ``max_steps``, ``batch_size``, ``sample_every``, ``target``, ``seed``,
        ``progress`` as for :func:`~jaxscape.study.optimizer_zoo`.

    Returns:
      A :class:`ZooResult` with one row per optimizer x width; plot it with
      ``res.plot(x="num_params")``.

    Example:
      >>> res = model_size({"Adam": 1e-3}, widths=(0.125,), max_steps=10, sample_every=10)
      >>> res.num_params.tolist(), res.width.tolist()
      ([6426], [0.125])
    """
    if not rates:
        raise ValueError("rates is empty: give {optimizer: learning rate}")
    if not widths:
        raise ValueError("widths is empty")
    parts = []
    for w in widths:
        for name, lr in rates.items():
            if name not in OPTIMIZERS:
                raise ValueError(f"rates: unknown optimizer {name!r}; known: {list(OPTIMIZERS)}")
            parts.append(
                optimizer_zoo(data, optimizers=[name], learning_rates=[lr], width=w, **zoo_kwargs)
            )
    res = ZooResult.concat(parts)
    name = data.name if data is not None else "digits"
    problem = f"CNN at widths {min(widths):g} … {max(widths):g} on {name}"
    return dataclasses.replace(res, info={**res.info, "problem": problem})
