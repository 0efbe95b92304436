"""The engine records what an optimizer state exposes: hypergradient descent's learned rate."""

import jax.numpy as jnp
import numpy as np

import jaxscape as js

H = np.array([1.0, 3.0, 0.5])


def _numpy_sgd_hd(alpha0, beta, steps):
    """SGD-HD on f(p) = 0.5 sum h p^2 from p = 1 (Baydin et al., Algorithm 1), float64."""
    p, alpha, d_prev, rates = np.ones(3), alpha0, np.zeros(3), []
    for _ in range(steps):
        g = H * p
        alpha = alpha + beta * g @ d_prev
        p = p - alpha * g
        d_prev = g
        rates.append(alpha)
    return np.asarray(rates)


def test_sweep_records_the_learned_rate_of_every_trial():
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(H * p**2), jnp.ones(3))
    table = js.grid(learning_rate=[0.05, 0.2], hypergrad_lr=[0.0, 0.01])
    res = js.sweep(prob, js.optim.sgd_hd, table, steps=30, eval_every=5, progress=False)
    assert res.metrics["opt_learning_rate"].shape == (4, 6)
    for i in range(4):
        want = _numpy_sgd_hd(table["learning_rate"][i], table["hypergrad_lr"][i], 30)
        np.testing.assert_allclose(res.metrics["opt_learning_rate"][i], want[4::5], rtol=1e-4)
    # beta = 0 keeps the initial rate; beta > 0 moves it
    np.testing.assert_allclose(res.metrics["opt_learning_rate"][0], 0.05, rtol=1e-6)
    assert abs(res.metrics["opt_learning_rate"][1, -1] - 0.05) > 1e-3


def test_plain_optimizers_record_no_optimizer_metric():
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(H * p**2), jnp.ones(3))
    res = js.sweep(prob, js.optim.sgd, {"learning_rate": [0.1]}, steps=4, progress=False)
    assert not any(k.startswith("opt_") for k in res.metrics)
