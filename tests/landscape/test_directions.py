"""Directions: filter/layer normalisation, bias handling, orthogonality, targets."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js


def _params(key):
    k1, k2, k3 = jax.random.split(key, 3)
    return {
        "conv": {"kernel": jax.random.normal(k1, (3, 3, 2, 4)), "bias": jnp.arange(4.0)},
        "dense": {"kernel": jax.random.normal(k2, (6, 5)) * 3.0, "bias": jnp.ones(5)},
        "norm": {"scale": jax.random.uniform(k3, (5,))},
    }


def test_filter_normalisation_matches_each_output_unit(key):
    params = _params(key)
    d = js.landscape.random_direction(params, jax.random.key(7))
    assert d.kind == "random" and d.normalization == "filter" and d.ignore_biasbn
    conv_w, conv_d = np.asarray(params["conv"]["kernel"]), np.asarray(d.params["conv"]["kernel"])
    for k in range(4):  # output channel = last axis of a (kh, kw, in, out) kernel
        np.testing.assert_allclose(
            np.linalg.norm(conv_d[..., k]), np.linalg.norm(conv_w[..., k]), rtol=1e-5
        )
    dense_w, dense_d = (
        np.asarray(params["dense"]["kernel"]),
        np.asarray(d.params["dense"]["kernel"]),
    )
    for k in range(5):  # output unit = column of an (in, out) kernel
        np.testing.assert_allclose(
            np.linalg.norm(dense_d[:, k]), np.linalg.norm(dense_w[:, k]), rtol=1e-5
        )
    # per-output-unit, not per input row: rows do not get the weights' row norms
    assert not np.allclose(np.linalg.norm(dense_d, axis=1), np.linalg.norm(dense_w, axis=1))
    for leaf in (d.params["conv"]["bias"], d.params["dense"]["bias"], d.params["norm"]["scale"]):
        assert np.all(np.asarray(leaf) == 0.0)


def test_biasbn_kept_copies_the_weights_and_layer_norm_is_per_tensor(key):
    params = _params(key)
    d = js.landscape.random_direction(params, jax.random.key(3), "layer", ignore_biasbn=False)
    np.testing.assert_array_equal(d.params["dense"]["bias"], params["dense"]["bias"])
    np.testing.assert_array_equal(d.params["norm"]["scale"], params["norm"]["scale"])
    for name in ("conv", "dense"):
        np.testing.assert_allclose(
            np.linalg.norm(d.params[name]["kernel"]),
            np.linalg.norm(params[name]["kernel"]),
            rtol=1e-5,
        )
    raw = js.landscape.random_direction(params, jax.random.key(3), "none", ignore_biasbn=False)
    assert np.all(np.asarray(raw.params["dense"]["bias"]) != 1.0)  # Gaussian, untouched


def test_normalize_direction_is_the_formula(key):
    w = np.array([[3.0, 0.0, 1.0], [4.0, 2.0, 1.0]], np.float32)
    d = np.array([[1.0, 1.0, -2.0], [1.0, 0.0, 0.0]], np.float32)
    out = js.landscape.normalize_direction({"k": jnp.asarray(d)}, {"k": jnp.asarray(w)})
    expected = d * (np.linalg.norm(w, axis=0) / np.linalg.norm(d, axis=0))
    np.testing.assert_allclose(out["k"], expected, rtol=1e-6)


def test_orthogonal_second_direction_and_cosine(key):
    params = _params(key)
    dx = js.landscape.random_direction(params, jax.random.key(1))
    dy = js.landscape.random_direction(params, jax.random.key(2), orthogonal_to=dx)
    flat = lambda t: np.concatenate([np.ravel(x) for x in jax.tree.leaves(t)]).astype(np.float64)
    u, v = flat(dx.params), flat(dy.params)
    assert abs(u @ v) <= 1e-5 * np.linalg.norm(u) * np.linalg.norm(v)
    assert abs(js.landscape.cosine_similarity(dx, dy)) < 1e-5
    a, b = {"w": jnp.array([1.0, 2.0])}, {"w": jnp.array([2.0, -1.0])}
    assert js.landscape.cosine_similarity(a, b) == pytest.approx(0.0, abs=1e-7)
    assert js.landscape.cosine_similarity(a, a) == pytest.approx(1.0)


def test_target_direction_and_keys_are_reproducible(key):
    a, b = _params(jax.random.key(0)), _params(jax.random.key(1))
    d = js.landscape.target_direction(a, b)
    for x, y, z in zip(
        jax.tree.leaves(d.params), jax.tree.leaves(a), jax.tree.leaves(b), strict=True
    ):
        np.testing.assert_array_equal(x, np.asarray(z) - np.asarray(y))
    r1 = js.landscape.random_direction(a, jax.random.key(5))
    r2 = js.landscape.random_direction(a, jax.random.key(5))
    r3 = js.landscape.random_direction(a, jax.random.key(6))
    k = lambda r: np.asarray(r.params["dense"]["kernel"])
    np.testing.assert_array_equal(k(r1), k(r2))
    assert not np.allclose(k(r1), k(r3))


def test_state_part_of_a_random_direction(key):
    params = {"k": jnp.ones((3, 2))}
    state = {"mean": jnp.full(2, 0.5), "big": jnp.ones((2, 2)), "count": jnp.uint32(3)}
    d = js.landscape.random_direction(params, key, state=state)
    np.testing.assert_array_equal(d.state["mean"], 0.0)  # 1-D statistic: zeroed
    np.testing.assert_allclose(np.linalg.norm(d.state["big"], axis=0), np.sqrt(2.0), rtol=1e-5)
    assert d.state["count"] == 3  # non-float leaves never move
    kept = js.landscape.random_direction(params, key, ignore_biasbn=False, state=state)
    np.testing.assert_array_equal(kept.state["mean"], 0.5)
