"""The recipe: the practitioner's seven steps end to end (:func:`~jaxscape.tune.recipe`).

:mod:`~jaxscape.tune.seven_steps.recipe` runs the steps of :mod:`~jaxscape.tune.seven_steps.steps`
(one module each) on a checked :mod:`~jaxscape.tune.seven_steps.context` with its
:mod:`~jaxscape.tune.seven_steps.budget`; each step adds to the
:mod:`~jaxscape.tune.seven_steps.chosen` configuration, its decisions and its red flags
(:mod:`~jaxscape.tune.seven_steps.flags`). Steps 1 and 7 are the line searches of
:mod:`~jaxscape.tune.seven_steps.line_search`; the test split is looked at once, at the end
(:mod:`~jaxscape.tune.seven_steps.held_out`). The result is a
:class:`~jaxscape.tune.seven_steps.report.Report`, whose HTML page is
:mod:`~jaxscape.tune.seven_steps.page`.
"""
