"""Moved to :mod:`jaxscape.search.pbt.space`; this name is kept so that old imports work."""

from jaxscape.search.pbt.space import describe, explore, resolve_space, sample

__all__ = ["describe", "explore", "resolve_space", "sample"]
