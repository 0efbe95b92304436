"""Range tests: which values of one hyperparameter train, and where training breaks.

:func:`~jaxscape.tune.range_tests.range_test.range_test` tests any numeric hyperparameter, in
parallel (one population of fixed values, read by the band rule of
:mod:`~jaxscape.tune.range_tests.band`) or as a ramp (one run, read by
:mod:`~jaxscape.tune.range_tests.smoothing` and :mod:`~jaxscape.tune.range_tests.suggest`, shaped
by a :class:`~jaxscape.tune.range_tests.ramp.Ramp`); ``learning_rate`` and ``momentum`` hold its
presets. Results: :mod:`~jaxscape.tune.range_tests.result`.
"""
