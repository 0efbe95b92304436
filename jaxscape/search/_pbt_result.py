"""Moved to :mod:`jaxscape.search.pbt.result`; this name is kept so that old imports work."""

from jaxscape.search.pbt.result import PBTResult

__all__ = ["PBTResult"]
