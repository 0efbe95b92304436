"""When PBT exploits: Ray Tune's synchronous schedule, as interval edges.

Ray's synchronous ``PopulationBasedTraining`` perturbs every member when all reach
``next_sync``, which starts at ``max(perturbation_interval, burn_in_period)`` and then grows by
the interval. With ``interval = 3``: exploits at 3, 6, 9, ...; with ``burn_in = 5`` as well: at
5, 8, 11, ... (burn-in shifts the whole grid, it does not drop the multiples before it).
"""

from __future__ import annotations

import numpy as np


def boundaries(steps: int, interval: int, burn_in: int = 0) -> np.ndarray:
    """``[K + 1]`` interval edges: 0, the exploit steps ``t_j = max(interval, burn_in) + j *
    interval`` below ``steps``, and ``steps``.

    >>> boundaries(10, 3).tolist(), boundaries(12, 3, burn_in=5).tolist()
    ([0, 3, 6, 9, 10], [0, 5, 8, 11, 12])
    >>> boundaries(10, 20).tolist()  # interval >= steps: one interval, a plain sweep
    [0, 10]
    """
    first = max(interval, burn_in)
    inner = list(range(first, steps, interval)) if first > 0 else []
    return np.asarray([0, *inner, steps], np.int64)
