"""The engine's sharpness metric against an independent reference: the top eigenvalue of the
dense Hessian (``jax.hessian`` of the flattened parameters, ``numpy.linalg.eigh``)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

import jaxscape as js
from jaxscape.population.sharpness import Sharpness

SUBSET = 200


@pytest.fixture(scope="module")
def prob():
    data = js.data.digits(flatten=True, val_fraction=0)
    mlp = js.models.MLP(hidden=(8,), activation="tanh")  # 64*8 + 8 + 8*10 + 10 = 610 params
    return js.Problem.from_model(mlp, data, loss="mse")


def eigh_spectrum(prob, params, state) -> np.ndarray:
    """Every eigenvalue of the Hessian of the loss over the first SUBSET rows (float64 eigh)."""
    flat, unravel = ravel_pytree(params)
    batch = (prob.data.train.x[:SUBSET], prob.data.train.y[:SUBSET])
    loss = lambda z: prob.evaluate(unravel(z), state, batch)["loss"]
    h = np.asarray(jax.hessian(loss)(flat), np.float64)
    return np.linalg.eigvalsh((h + h.T) / 2)


def trial(tree, i):
    return jax.tree.map(lambda a: a[i], tree)


def run(prob, lrs, steps, every, sharpness, **kw):
    return js.sweep(
        prob, js.optim.sgd, {"learning_rate": lrs}, steps=steps, batch_size=None,
        eval_every=every, sharpness=sharpness, progress=False, **kw,
    )  # fmt: skip


def test_sharpness_matches_the_dense_hessian_for_every_trial(prob):
    # After 100 GD steps the top eigenvalue dominates the spectrum (|lambda_min| << lambda_max),
    # so power iteration's largest-|lambda| vector is the top eigenvector.
    sh = Sharpness(subset=SUBSET, iters=5, first_iters=50)
    res = run(prob, [0.02, 0.05], 100, 50, sh, keep_params=True)
    assert not res.diverged.any()
    for i in range(2):
        ev = eigh_spectrum(prob, trial(res.params, i), {})
        assert abs(ev[0]) < 0.1 * ev[-1]
        est = float(res.metrics["sharpness"][i, -1])
        assert abs(est - ev[-1]) / ev[-1] < 0.01, (i, est, ev[-1])  # issue: within 5%


def test_warm_start_tracks_the_top_eigenvalue_with_two_products_per_record(prob):
    # Measured every 10 steps with 2 Hessian-vector products each, warm-started from the last
    # vector, every record stays within 1% of the exact value along the path.
    sh = Sharpness(subset=SUBSET, iters=2, first_iters=60)
    res = run(prob, [0.05], 60, 10, sh, trajectory=[0])
    path = res.trajectory["params"]
    for t in range(len(res.steps)):
        top = eigh_spectrum(prob, trial(trial(path, 0), t + 1), {})[-1]
        est = float(res.metrics["sharpness"][0, t])
        assert abs(est - top) / top < 0.01, (t, est, top)
    # The same two products from the random start (a cold start) are far off.
    cold = run(prob, [0.05], 10, 10, Sharpness(subset=SUBSET, iters=2, first_iters=2))
    first = eigh_spectrum(prob, trial(trial(path, 0), 1), {})[-1]
    assert abs(float(cold.metrics["sharpness"][0, 0]) - first) / first > 0.05


def test_closed_form_and_the_largest_magnitude_eigenvalue():
    # f(p) = sum(a p^2) / 2 has Hessian diag(a): sharpness max(a); where a negative eigenvalue
    # is larger in magnitude, power iteration finds it (documented).
    for a, expected in (([1.0, 4.0, 2.5], 4.0), ([1.0, -3.0], -3.0)):
        a = jnp.asarray(a)
        prob = js.Problem.from_loss(lambda p, a=a: 0.5 * jnp.sum(a * p**2), jnp.ones(a.shape))
        res = run(prob, [0.01], 2, 1, Sharpness(iters=40, first_iters=40))
        np.testing.assert_allclose(res.metrics["sharpness"][0], expected, rtol=1e-4)


def test_diverged_trials_record_nan_and_leave_the_others_alone(prob):
    sh = Sharpness(subset=SUBSET, iters=3, first_iters=30)
    res = run(prob, [0.05, 2.0], 40, 10, sh)
    assert res.diverged.tolist() == [False, True]
    assert np.isfinite(res.metrics["sharpness"][0]).all()
    assert np.isnan(res.metrics["sharpness"][1, -1])
    alone = run(prob, [0.05], 40, 10, sh)
    np.testing.assert_allclose(res.metrics["sharpness"][0], alone.metrics["sharpness"][0], 1e-5)


def test_the_vector_persists_in_the_state_across_calls(prob):
    # One product per record is sensitive to the start vector: continuing a saved state must
    # give the numbers of an uninterrupted run (so the vector travelled with the state).
    sh = Sharpness(subset=SUBSET, iters=1, first_iters=3)
    whole = run(prob, [0.05], 40, 10, sh)
    first = run(prob, [0.05], 20, 10, sh, keep_state=True)
    assert first.state.trials.sharpness is not None
    rest = js.sweep(
        prob, js.optim.sgd, {"learning_rate": [0.05]}, steps=20, batch_size=None,
        eval_every=10, sharpness=sh, start=first.state, progress=False,
    )  # fmt: skip
    both = np.concatenate([first.metrics["sharpness"], rest.metrics["sharpness"]], axis=1)
    np.testing.assert_allclose(both, whole.metrics["sharpness"], rtol=1e-5)
    # A state saved without sharpness continues with a fresh start vector.
    plain = run(prob, [0.05], 20, 10, None, keep_state=True)
    assert plain.state.trials.sharpness is None
    more = js.sweep(
        prob, js.optim.sgd, {"learning_rate": [0.05]}, steps=20, batch_size=None,
        eval_every=10, sharpness=Sharpness(subset=SUBSET), start=plain.state, progress=False,
    )  # fmt: skip
    assert np.isfinite(more.metrics["sharpness"]).all()


def test_bad_settings_are_refused_before_compiling(prob):
    with pytest.raises(ValueError, match=r"Sharpness\.iters"):
        Sharpness(iters=0)
    with pytest.raises(ValueError, match=r"Sharpness\.subset"):
        Sharpness(subset=-1)
    with pytest.raises(ValueError, match=r"Sharpness\.subset"):
        run(prob, [0.1], 10, 5, Sharpness(subset=10**6))
    with pytest.raises(TypeError, match="sharpness"):
        run(prob, [0.1], 10, 5, "yes")
