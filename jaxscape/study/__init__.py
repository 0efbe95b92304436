"""Studies: the seeds' experiments, each one command built on populations.

* :func:`optimizer_zoo` — the optimizer survey: six optimizers (TensorFlow 1.x settings) x 48
  learning rates, steps and seconds to 97% training accuracy (:class:`ZooResult`).
* :func:`model_size` — the same against the CNN's width at each optimizer's best rate.
* :func:`race` — optimizers racing on a 2-D test function (:mod:`jaxscape.testfunctions`).
* :func:`batch_size` — a learning rate x batch size grid in one population (a ``batch_size``
  column), read after equal epochs and equal steps: the linear scaling rule
  (:class:`BatchSizeResult`).
* :func:`edge_of_stability` — full-batch gradient descent at several rates with the sharpness
  recorded: it rises to ``2/eta`` and hovers there (:class:`EdgeOfStability`).
* :func:`quadratic_regimes` — gradient descent on ``L x^2 / 2`` below, at, between and above
  ``1/L`` and ``2/L``.

>>> from jaxscape import study
>>> len(study.LEARNING_RATES), sorted(study.OPTIMIZERS)[:2]
(48, ['Adadelta', 'Adagrad'])
"""

from __future__ import annotations

from jaxscape.study.batch_size import BATCH_LEARNING_RATES, BATCH_SIZES, batch_size
from jaxscape.study.batch_size_result import BatchSizeResult
from jaxscape.study.criterion import running_mean, steps_to_streaming_target, steps_to_target
from jaxscape.study.edge_of_stability import edge_of_stability
from jaxscape.study.edge_of_stability_result import EdgeOfStability
from jaxscape.study.model_size import WIDTHS, model_size
from jaxscape.study.quadratic import QuadraticRegimes, classify_regime, quadratic_regimes
from jaxscape.study.race import RaceResult, race
from jaxscape.study.survey import LEARNING_RATES, OPTIMIZERS, SURVEY_MNIST
from jaxscape.study.zoo import optimizer_zoo, survey_problem
from jaxscape.study.zoo_result import ZooResult

__all__ = [
    "BATCH_LEARNING_RATES",
    "BATCH_SIZES",
    "LEARNING_RATES",
    "OPTIMIZERS",
    "SURVEY_MNIST",
    "WIDTHS",
    "BatchSizeResult",
    "EdgeOfStability",
    "QuadraticRegimes",
    "RaceResult",
    "ZooResult",
    "batch_size",
    "classify_regime",
    "edge_of_stability",
    "model_size",
    "optimizer_zoo",
    "quadratic_regimes",
    "race",
    "running_mean",
    "steps_to_streaming_target",
    "steps_to_target",
    "survey_problem",
]
