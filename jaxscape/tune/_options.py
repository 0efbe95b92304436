"""Short conveniences of the procedures: keyword shortcuts onto ``Training``, ``Judging``, ``Ramp``.

Every procedure takes its options as objects (``training=``, ``judging=``, ``ramp=``), and for
the common calls accepts their fields as keywords: ``lr_range_test(prob, steps=20,
progress=False)`` is ``lr_range_test(prob, training=Training(steps=20, batch_size=64,
progress=False))``. A shortcut overrides the field of the object it belongs to; an unknown
keyword is a ``TypeError`` that lists the known ones. ``seed`` sets the first seed and
``seeds`` (an int ``S``: ``seed, ..., seed + S - 1``, or a list) all of them.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from jaxscape._checks import check_choice
from jaxscape.population.judging import Judging
from jaxscape.population.training import Training
from jaxscape.tune._common import DEFAULT_BATCH_SIZE
from jaxscape.tune.range_tests.ramp import Ramp

#: The training of a range test unless given: 5 epochs at batch 64, seed 0.
RANGE_TRAINING = Training(epochs=5.0, batch_size=DEFAULT_BATCH_SIZE)

#: The training of a seeded comparison unless given: 5 epochs at batch 64, seeds 0, 1, 2.
SEEDED_TRAINING = Training(epochs=5.0, batch_size=DEFAULT_BATCH_SIZE, seeds=(0, 1, 2))

_TRAINING = (*(f.name for f in dataclasses.fields(Training)), "seed")
_JUDGING = tuple(f.name for f in dataclasses.fields(Judging))


def _names(obj: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(obj))


def check_type(name: str, value: Any, cls: type) -> Any:
    """``value`` if it is ``None`` or a ``cls``; else a ``TypeError`` naming ``name``."""
    if value is not None and not isinstance(value, cls):
        raise TypeError(f"{name} must be a jaxscape {cls.__name__}, got {type(value).__name__}")
    return value


def split_options(
    where: str, options: Mapping[str, Any], *objects: Any, extra: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """``options`` split by the object whose field each names (``extra``: the last group).

    ``objects`` are dataclass instances or classes; ``seed`` goes with ``Training``. Raises
    ``TypeError`` for a keyword that no object has, listing the known ones.
    """
    groups: list[dict[str, Any]] = [{} for _ in range(len(objects) + 1)]
    fields = [_TRAINING if o is Training else _names(o) for o in objects]
    for key, value in options.items():
        for i, names in enumerate(fields):
            if key in names:
                groups[i][key] = value
                break
        else:
            if key not in extra:
                known = sorted({*extra, *(n for names in fields for n in names)})
                raise TypeError(
                    f"{where} got an unexpected keyword argument {key!r}; known: {known}"
                )
            groups[-1][key] = value
    return groups


def training_of(
    training: Training | None, shortcuts: Mapping[str, Any], default: Training
) -> Training:
    """``training`` (default ``default``) with the ``shortcuts`` applied."""
    training = check_type("training", training, Training) or default
    shortcuts = dict(shortcuts)
    seed, seeds = shortcuts.pop("seed", None), shortcuts.pop("seeds", None)
    if shortcuts.get("steps") is not None:  # steps win over epochs
        shortcuts["epochs"] = None
    elif shortcuts.get("epochs") is not None:
        shortcuts["steps"] = None
    if shortcuts.get("steps") is None and shortcuts.get("epochs") is None:
        shortcuts.pop("steps", None)
        shortcuts.pop("epochs", None)
    if shortcuts:
        training = dataclasses.replace(training, **shortcuts)
    if seed is not None:
        n = len(training.seeds) if seeds is None else None
        training = training.replace(seeds=(seed,))
        if n is not None and n > 1:
            training = training.with_seeds(n)
    _refuse_unused(training)
    if seeds is not None:
        if isinstance(seeds, np.ndarray):
            seeds = seeds.tolist()
        if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
            training = training.with_seeds(int(seeds))
        else:
            training = training.with_seeds(seeds)
    return training


#: Training fields a procedure sets itself: each records on its own cadence (once per epoch,
#: or about ten times), always from step 0, and checkpoints through ``recipe(checkpoint_dir=)``.
UNUSED = ("eval_every", "checkpoint", "callback")


def _refuse_unused(training: Training) -> None:
    """A ``ValueError`` for a field the procedures would ignore (never silently)."""
    given = [name for name in UNUSED if getattr(training, name) is not None]
    if given:
        raise ValueError(
            f"Training.{given[0]} is not used by the tuning procedures (they record once per "
            "epoch from step 0 and checkpoint through recipe(checkpoint_dir=...)); leave "
            f"{', '.join(given)} unset"
        )


def judging_of(judging: Judging | None, shortcuts: Mapping[str, Any]) -> Judging:
    """``judging`` (default ``Judging()``) with the ``shortcuts`` applied."""
    judging = check_type("judging", judging, Judging) or Judging()
    judging = dataclasses.replace(judging, **shortcuts) if shortcuts else judging
    if judging.diverge_factor != Judging.diverge_factor:
        raise ValueError(
            f"Judging.diverge_factor={judging.diverge_factor:g} is not used by the tuning "
            "procedures: their populations flag divergence with the engine's default (100)"
        )
    return judging


def resolve_range(
    where: str,
    options: Mapping[str, Any],
    training: Training | None,
    judging: Judging | None,
    ramp: Ramp | None,
    default_ramp: Ramp,
) -> tuple[Training, Judging, Ramp | None, int | None]:
    """A range test's ``(training, judging, ramp or None for parallel, num)`` from its objects
    and shortcuts (``mode="ramp"`` runs ``default_ramp``; ramp fields need a ramp)."""
    t, j, r, extra = split_options(where, options, Training, Judging, Ramp, extra=("mode", "num"))
    mode = extra.get("mode")
    if mode is not None:
        check_choice("mode", mode, ("parallel", "ramp"))
    if isinstance(ramp, str):
        raise TypeError(f"ramp must be a jaxscape.tune.Ramp, got {ramp!r} (Ramp(shape={ramp!r}))")
    ramp = check_type("ramp", ramp, Ramp)
    if ramp is not None and mode == "parallel":
        raise ValueError("mode='parallel' with a ramp: give one or the other")
    if ramp is None and mode == "ramp":
        ramp = default_ramp
    if r:
        if ramp is None:
            raise ValueError(
                f"{sorted(r)} are options of a ramp; this test runs in parallel "
                "(pass mode='ramp' or ramp=Ramp(...))"
            )
        ramp = ramp.replace(**r)
    return training_of(training, t, RANGE_TRAINING), judging_of(judging, j), ramp, extra.get("num")


def seeded_options(
    where: str,
    options: Mapping[str, Any],
    training: Training | None,
    judging: Judging | None,
    default: Training = SEEDED_TRAINING,
) -> tuple[Training, Judging]:
    """A seeded comparison's ``(training, judging)`` from its objects and shortcuts."""
    t, j, _ = split_options(where, options, Training, Judging)
    return training_of(training, t, default), judging_of(judging, j)


def object_of(where: str, cls: type, obj: Any, options: Mapping[str, Any]) -> Any:
    """``obj`` (a ``cls``; ``None``: built from ``options``) with ``options``, its fields by
    name, applied; an unknown name is a ``TypeError`` listing the known ones."""
    given, _ = split_options(where, options, cls)
    if obj is None:
        return cls(**given)
    obj = check_type(where, obj, cls)
    return dataclasses.replace(obj, **given) if given else obj
