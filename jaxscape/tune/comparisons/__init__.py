"""Seeded comparisons: arms trained over the same seeds, each judged against a baseline.

:mod:`~jaxscape.tune.comparisons.comparison` trains and holds them, and
:mod:`~jaxscape.tune.comparisons.verdict` is the paired rule (adopt only above ``k`` standard
errors). The comparisons: with and without momentum (``momentum``), constant against decayed
and cyclical rates (``schedules``, reading the plateau epoch with ``plateau``), and optimizer
families each with its own rate search (``optimizers``).
"""
