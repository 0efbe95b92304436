"""One place that turns result rows into a pandas ``DataFrame`` (pandas is optional)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def rows_frame(rows: Sequence[dict[str, Any]], index: str | list[str] | None = None):
    """A ``DataFrame`` of ``rows`` (one dict each), indexed by ``index`` when given.

    >>> rows_frame([{"trial": 0, "loss": 1.5}], index="trial").loc[0, "loss"]
    np.float64(1.5)
    """
    try:
        import pandas as pd
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("to_dataframe needs pandas: pip install 'jaxscape[tables]'") from err
    frame = pd.DataFrame(list(rows))
    return frame if index is None else frame.set_index(index)
