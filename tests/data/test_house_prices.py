"""``house_prices``: least squares (numpy) recovers the documented coefficients."""

from __future__ import annotations

import numpy as np
import pytest

from jaxscape.data import house_price_coefficients, house_prices


def lstsq(ds_split):
    x = np.asarray(ds_split.x, np.float64)
    design = np.column_stack([x, np.ones(len(x))])
    coef, *_ = np.linalg.lstsq(design, np.asarray(ds_split.y, np.float64), rcond=None)
    return design, coef


def truth() -> np.ndarray:
    c = house_price_coefficients()
    return np.array([c["floor_area"], c["bedrooms"], c["ceiling_height"], c["intercept"]])


def test_documented_coefficients():
    c = house_price_coefficients()
    assert list(c) == ["floor_area", "bedrooms", "ceiling_height", "intercept"]
    assert c == {"floor_area": 0.8, "bedrooms": 0.1, "ceiling_height": 0.15, "intercept": 3.0}
    c["intercept"] = -1.0  # a fresh copy: the module's truth is untouched
    assert house_price_coefficients()["intercept"] == 3.0


def test_noiseless_prices_are_exactly_linear():
    ds = house_prices(n=40, n_test=10, noise=0.0, seed=2)
    for split in (ds.train, ds.val, ds.test):
        _, coef = lstsq(split)
        np.testing.assert_allclose(coef, truth(), atol=1e-5)


def test_least_squares_recovers_coefficients_within_standard_errors():
    noise = 0.3
    ds = house_prices(n=3000, n_test=0, noise=noise, seed=1)
    design, coef = lstsq(ds.train)
    stderr = noise * np.sqrt(np.diag(np.linalg.inv(design.T @ design)))
    assert np.all(np.abs(coef - truth()) < 4 * stderr), (coef, stderr)
    residual = np.asarray(ds.train.y) - design @ coef
    assert abs(residual.std() / noise - 1) < 0.05


def test_default_sizes_and_types():
    ds = house_prices()
    sizes = (ds.name, ds.n_train, ds.n_val, ds.n_test, ds.input_shape)
    assert sizes == ("house_prices", 170, 30, 50, (3,))  # 30 = 0.15 * 200 carved from train
    assert not ds.is_classification and ds.num_classes is None
    assert ds.train.x.dtype == np.float32 and ds.train.y.dtype == np.float32
    assert ds.train.y.shape == (170,) and ds.val.y.dtype == np.float32
    _, coef = lstsq(ds.train)
    np.testing.assert_allclose(coef, truth(), atol=0.05)  # default noise 0.1


def test_features_are_standardised_with_the_generator_moments():
    x = np.asarray(house_prices(n=20_000, n_test=0, seed=4).train.x, np.float64)
    np.testing.assert_allclose(x.mean(0), 0.0, atol=0.03)
    np.testing.assert_allclose(x.std(0), 1.0, atol=0.03)
    # bedrooms are the integers 1..5, standardised with mean 3 and sd sqrt(2)
    np.testing.assert_allclose(np.unique(x[:, 1]), (np.arange(1, 6) - 3) / np.sqrt(2), atol=1e-6)
    # ceiling heights are uniform on [2.4, 3.2]
    ceiling = x[:, 2] * 0.8 / np.sqrt(12) + 2.8
    assert ceiling.min() >= 2.4 and ceiling.max() <= 3.2
    # floor area = 40 + 20 * bedrooms + N(0, 25^2): correlation 40 / sqrt(2 * 1425)
    np.testing.assert_allclose(np.corrcoef(x[:, 0], x[:, 1])[0, 1], 40 / np.sqrt(2850), atol=0.02)


def test_deterministic_per_seed():
    a, b, c = house_prices(seed=5), house_prices(seed=5), house_prices(seed=6)
    np.testing.assert_array_equal(np.asarray(a.test.y), np.asarray(b.test.y))
    assert not np.array_equal(np.asarray(a.train.x), np.asarray(c.train.x))
    assert house_prices(n_test=0).test is None


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"n": 0}, ValueError, "n must be >= 1"),
        ({"n_test": -1}, ValueError, "n_test must be >= 0"),
        ({"noise": -0.1}, ValueError, r"noise must be in \[0\.0, inf\)"),
        ({"noise": float("inf")}, ValueError, "noise must be finite"),
        ({"noise": float("nan")}, ValueError, "noise must be in"),
        ({"noise": "0.1"}, TypeError, "noise must be a real number"),
        ({"seed": 1.5}, TypeError, "seed must be an int"),
    ],
)
def test_validation(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        house_prices(**kwargs)
