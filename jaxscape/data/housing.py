"""``house_prices``: toy linear-regression data (house price from size features) with known truth.

The teaching example of the learning-rate story: three standardised features, a price that is
exactly linear in them plus Gaussian noise, so least squares recovers the coefficients of
:func:`house_price_coefficients` and any optimizer's answer can be checked against them.
"""

from __future__ import annotations

import numbers

import numpy as np

from jaxscape._checks import check_finite, check_positive_int, check_range
from jaxscape.data._split import hold_out
from jaxscape.data.dataset import Dataset, as_device_split, optional_split

# Generator of the raw features (population moments in closed form):
#   bedrooms        ~ uniform integer in {1, ..., 5}         mean 3,    variance 2
#   floor_area [m²] = 40 + 20 * bedrooms + N(0, 25²)         mean 100,  variance 20²·2 + 25²
#   ceiling_height [m] ~ uniform(2.4, 3.2)                   mean 2.8,  variance 0.8² / 12
_MEAN = np.array([100.0, 3.0, 2.8])
_STD = np.sqrt(np.array([20.0**2 * 2 + 25.0**2, 2.0, 0.8**2 / 12]))

_COEFFICIENTS = {
    "floor_area": 0.8,
    "bedrooms": 0.1,
    "ceiling_height": 0.15,
    "intercept": 3.0,
}


def house_price_coefficients() -> dict[str, float]:
    """The true model of :func:`house_prices`, in the units of its (standardised) features.

    Returns:
      ``{"floor_area": 0.8, "bedrooms": 0.1, "ceiling_height": 0.15, "intercept": 3.0}``: the
      first three are the weights of feature columns 0, 1, 2 (in that order); the price is in
      units of $100k. A fresh dict each call.

    Example:
      >>> c = house_price_coefficients()
      >>> list(c)
      ['floor_area', 'bedrooms', 'ceiling_height', 'intercept']
    """
    return dict(_COEFFICIENTS)


def house_prices(
    n: int = 200, n_test: int = 50, noise: float = 0.1, seed: int = 0, val_fraction: float = 0.15
) -> Dataset:
    """Toy house prices: ``price = 3.0 + 0.8·area + 0.1·bedrooms + 0.15·ceiling + noise·ε``.

    Features (columns of ``x``): floor area (m²), number of bedrooms (1–5) and ceiling height
    (m). Bigger houses have more bedrooms (floor area = 40 + 20·bedrooms + N(0, 25²) m², a
    correlation of about 0.75), so the problem is mildly ill-conditioned, as real data are.
    Each feature is standardised with the *population* mean and standard deviation of the
    generator (known in closed form: 100 ± 37.7 m², 3 ± 1.41 bedrooms, 2.8 ± 0.23 m), so the
    coefficients of :func:`house_price_coefficients` hold exactly in the returned units and
    sample means are close to, not exactly, 0. ``ε`` is standard normal; prices are in $100k.

    Args:
      n: training houses drawn (>= 1), validation included.
      n_test: test houses (0 for no test split), drawn from the same generator.
      noise: standard deviation of the price noise (>= 0; 0 gives an exact linear relation).
      seed: non-negative seed of ``np.random.default_rng``.
      val_fraction: fraction of the ``n`` training houses held out for validation, in
        ``[0, 1)``: rows chosen with ``np.random.default_rng([seed, 1])`` as
        :func:`~jaxscape.data.from_arrays` does; the rest train.

    Returns:
      A regression dataset named ``"house_prices"``: float32 ``x [n, 3]``, float32 ``y [n]``.

    Example:
      >>> ds = house_prices(n=20, n_test=5)
      >>> ds.n_train, ds.n_val, ds.n_test, ds.input_shape, ds.is_classification
      (17, 3, 5, (3,), False)
    """
    n = check_positive_int("n", n)
    n_test = check_positive_int("n_test", n_test, allow_zero=True)
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise must be a real number, got {type(noise).__name__}")
    check_range("noise", noise, low=0.0)
    check_finite("noise", noise)
    seed = check_positive_int("seed", seed, allow_zero=True)
    check_range("val_fraction", val_fraction, low=0.0, high=1.0, high_open=True)

    rng = np.random.default_rng(seed)
    total = n + n_test
    bedrooms = rng.integers(1, 6, size=total).astype(np.float64)
    area = 40.0 + 20.0 * bedrooms + 25.0 * rng.standard_normal(total)
    ceiling = rng.uniform(2.4, 3.2, size=total)
    z = (np.stack([area, bedrooms, ceiling], axis=1) - _MEAN) / _STD
    c = _COEFFICIENTS
    w = np.array([c["floor_area"], c["bedrooms"], c["ceiling_height"]])
    price = z @ w + c["intercept"] + float(noise) * rng.standard_normal(total)
    x, y, x_val, y_val = hold_out(
        z[:n], price[:n], val_fraction, [seed, 1], stratify=False, arg="val_fraction"
    )
    return Dataset(
        name="house_prices",
        train=as_device_split(x, y, classification=False),
        test=as_device_split(z[n:], price[n:], classification=False) if n_test else None,
        num_classes=None,
        val=optional_split(x_val, y_val, classification=False),
    )
