"""The optimizer survey's settings: six optimizers in TensorFlow 1.x's conventions, its 48
learning rates, and the numbers it published on MNIST.

The survey ("How to pick the best learning rate", Octavian AI, 2018; code
``github.com/Octavian-ai/learning-rates``) trained the TensorFlow-tutorial CNN with each of
``tf.train.{GradientDescent, Momentum(0.5), Adagrad, Adadelta, RMSProp, Adam}Optimizer`` at
default settings, at 48 rates, until the streaming training accuracy exceeded 97%.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jaxscape import optim

#: ``[48]``: ``10^(-k/6)`` for ``k = 36 ... 1``, then ``10^(k/6)`` for ``k = 1 ... 12``
#: (1e-6 to 100, six per decade; 1 itself is not among them).
LEARNING_RATES: np.ndarray = np.array(
    [10.0 ** (-k / 6) for k in range(36, 0, -1)] + [10.0 ** (k / 6) for k in range(1, 13)]
)

#: ``name -> (factory, fixed keywords)``: TensorFlow 1.x's defaults in jaxscape's optimizers.
#: Adagrad: accumulator from 0.1 (TF has no epsilon; ours adds 1e-10 to a root >= 0.32).
#: RMSProp: decay 0.9, epsilon 1e-10 inside the root, mean square from 1. Adam: TF puts
#: epsilon outside the *uncorrected* root (``eps_hat``); at 1e-8 the difference is negligible.
OPTIMIZERS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "GD": (optim.sgd, {}),
    "Momentum": (optim.sgd, {"momentum": 0.5}),
    "Adagrad": (optim.adagrad, {"initial_accumulator_value": 0.1}),
    "Adadelta": (optim.adadelta, {"rho": 0.95, "eps": 1e-8}),
    "RMSProp": (
        optim.rmsprop,
        {"decay": 0.9, "eps": 1e-10, "eps_inside": True, "initial_mean_square": 1.0},
    ),
    "Adam": (optim.adam, {"b1": 0.9, "b2": 0.999, "eps": 1e-8}),
}

#: What the survey reported on MNIST: ``name -> (successful rates of 48, lowest, highest)``.
SURVEY_MNIST: dict[str, tuple[int, float, float]] = {
    "Adam": (15, 4.6e-5, 1e-2),
    "Adadelta": (13, 0.32, 46.0),
    "Momentum": (7, 0.022, 0.22),
    "Adagrad": (6, 0.022, 0.15),
    "GD": (6, 0.046, 0.32),
    "RMSProp": (4, 3.2e-4, 1.5e-3),
}
