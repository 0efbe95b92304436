"""Population based training as one package: the run, its schedule, exploit and explore, the
optimizer-state write of explored values, the result and its replay.

* :func:`pbt` (:mod:`.run`) — train a population, exploiting and exploring between intervals
  (Ray Tune's synchronous ``PopulationBasedTraining``; the differences are in its docstring).
* :class:`Exploit`, :class:`Explore` (:mod:`.options`) — when and whom to copy; how to perturb.
* :func:`boundaries` (:mod:`.schedule`) — the exploit steps.
* :class:`PBTResult` (:mod:`.result`), :func:`replay_schedule` and :class:`PBTReplay`
  (:mod:`.replay`).
"""

from __future__ import annotations

from jaxscape.search.pbt.options import Exploit, Explore
from jaxscape.search.pbt.replay import PBTReplay, replay_schedule
from jaxscape.search.pbt.result import PBTResult
from jaxscape.search.pbt.run import pbt
from jaxscape.search.pbt.schedule import boundaries

__all__ = [
    "Exploit",
    "Explore",
    "PBTReplay",
    "PBTResult",
    "boundaries",
    "pbt",
    "replay_schedule",
]
