"""The survey's model and grid: Glorot-uniform weights (TensorFlow's ``tf.layers`` default),
dropout 0.4 in training mode only, the 48 rates."""

from __future__ import annotations

import jax
import numpy as np
import pytest

import jaxscape as js
from jaxscape.study import LEARNING_RATES, survey_problem


def test_kernels_are_glorot_uniform_and_biases_zero():
    prob = survey_problem(width=1.0)
    params, _ = prob.init(jax.random.key(0))
    leaves = jax.tree_util.tree_leaves_with_path(params)
    kernels = [(jax.tree_util.keystr(k), np.asarray(v)) for k, v in leaves if v.ndim >= 2]
    assert len(kernels) == 4
    for name, w in kernels:
        fan_in = int(np.prod(w.shape[:-1]))
        fan_out = int(w.shape[-1]) * (int(np.prod(w.shape[:-2])) if w.ndim == 4 else 1)
        limit = np.sqrt(6.0 / (fan_in + fan_out))  # Glorot & Bengio (2010), uniform
        assert np.abs(w).max() <= limit + 1e-7, name
        assert np.abs(w).max() > 0.95 * limit, name
        np.testing.assert_allclose(w.var(), limit**2 / 3, rtol=0.15, err_msg=name)
    for k, v in leaves:
        if v.ndim == 1:
            assert np.all(np.asarray(v) == 0), jax.tree_util.keystr(k)


def test_dropout_is_on_in_training_only():
    prob = survey_problem(width=0.25)
    params, state = prob.init(jax.random.key(1))
    x, y = prob.data.train.x[:64], prob.data.train.y[:64]
    ev1 = prob.evaluate(params, state, (x, y))["loss"]
    ev2 = prob.evaluate(params, state, (x, y))["loss"]
    tr = prob.objective(params, state, (x, y))[0]
    assert float(ev1) == float(ev2) and float(tr) != pytest.approx(float(ev1), rel=1e-6)


def test_the_test_split_is_the_training_split():
    ds = js.data.digits()
    prob = survey_problem(ds)
    np.testing.assert_array_equal(np.asarray(prob.data.test.x), np.asarray(ds.train.x))
    assert prob.data.val is None


def test_forty_eight_rates_six_per_decade():
    assert LEARNING_RATES.size == 48
    np.testing.assert_allclose(LEARNING_RATES[[0, -1]], [1e-6, 100.0])
    np.testing.assert_allclose(np.diff(np.log10(LEARNING_RATES[:36])), 1 / 6)
    assert not np.any(np.isclose(LEARNING_RATES, 1.0))


def test_cnn_kernel_init_is_validated():
    with pytest.raises(ValueError, match="kernel_init"):
        js.models.CNN(kernel_init="he")
