"""What holds of trial independence (README, "Trials are independent"): the same cut of the
population gives bitwise the same numbers; another chunk size changes float rounding
only, within a documented tolerance for learning rates away from the edge of stability
(``benchmarks/trial_independence.py`` measures it over 2000 steps)."""

from __future__ import annotations

import jax
import numpy as np

import jaxscape as js

LRS = np.geomspace(0.01, 0.5, 8)
#: Relative tolerance between two cuts of a short run at calm learning rates (measured here:
#: at most 2e-6, on the validation loss; float32 rounding of batched vs single GEMMs, amplified
#: by the training dynamics).
CUT_RTOL = 1e-5


def _sweep(prob, chunk):
    return js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": LRS, "momentum": 0.9},
        steps=30,
        eval_every=5,
        batch_size=32,
        chunk_size=chunk,
        keep_params=True,
        progress=False,
    )


def _leaves(res):
    return jax.tree.leaves(res.params)


def test_the_same_cut_gives_bitwise_the_same_numbers(small_mlp_problem):
    a, b = _sweep(small_mlp_problem, 4), _sweep(small_mlp_problem, 4)
    assert a.info["chunk_size"] == 4
    for k in a.metrics:
        np.testing.assert_array_equal(a.metrics[k], b.metrics[k], err_msg=k)
    for x, y in zip(_leaves(a), _leaves(b), strict=True):
        np.testing.assert_array_equal(x, y)


def test_another_cut_changes_rounding_only(small_mlp_problem):
    ref = _sweep(small_mlp_problem, 8)
    one = _sweep(small_mlp_problem, 1)
    padded = _sweep(small_mlp_problem, 3)  # the last chunk holds 2 trials and a padding lane
    assert one.info["chunk_size"] == 1 and padded.info["chunk_size"] == 3
    assert ref.info["chunk_size"] == 8
    for other in (one, padded):
        assert not other.diverged.any() and not ref.diverged.any()
        for k in ref.metrics:
            np.testing.assert_allclose(other.metrics[k], ref.metrics[k], rtol=CUT_RTOL, err_msg=k)
        for x, y in zip(_leaves(other), _leaves(ref), strict=True):
            scale = np.abs(y).reshape(len(y), -1).max(1).reshape(-1, *[1] * (y.ndim - 1))
            assert np.all(np.abs(x - y) <= CUT_RTOL * scale)
