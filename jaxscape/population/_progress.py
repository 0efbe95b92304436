"""Progress of a population run: a bar in trial-steps with an ETA, and the user's callback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tqdm.auto import tqdm


@dataclass
class Progress:
    """Reports progress after every compiled call.

    ``total`` trial-steps in all, ``done`` of them finished before this run (a resumed run).
    ``callback`` (when given) receives ``{"chunk", "trials": (lo, hi), "step", "call"}``.
    """

    total: int
    done: int
    show: bool
    callback: Callable[[dict], Any] | None = None
    bar: Any = None

    def __post_init__(self) -> None:
        self.bar = tqdm(
            total=self.total,
            disable=not self.show,
            desc="sweep",
            unit="trial-step",
            unit_scale=True,
            dynamic_ncols=True,
        )
        self.bar.update(self.done)

    def after_call(self, chunk: int, lo: int, hi: int, steps: int, t: int, call: int) -> None:
        """Call ``call`` of chunk ``chunk`` (trials ``[lo, hi)``) advanced ``steps`` steps to
        step ``t``."""
        self.bar.update((hi - lo) * steps)
        if self.callback is not None:
            self.callback({"chunk": chunk, "trials": (lo, hi), "step": t, "call": call})

    def close(self) -> None:
        self.bar.close()
