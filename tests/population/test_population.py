"""Population semantics: each trial is an independent run, whatever shares its population."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxscape as js

LRS = np.array([0.01, 0.1, 0.5, 2.0])


def _sweep(prob, table, **kw):
    kw.setdefault("steps", 30)
    kw.setdefault("eval_every", 10)
    kw.setdefault("batch_size", 32)
    return js.sweep(prob, js.optim.sgd, table, progress=False, **kw)


def _direct_full_batch(prob, tx, steps):
    """Independent reference: a plain Python loop of jax.grad + ``tx`` on the whole training
    split from seed 0's initial weights. Returns (losses before each update, params, state)."""
    params, state = prob.init(jax.random.key(0))
    opt = tx.init(params)
    batch = (prob.data.train.x, prob.data.train.y)
    loss_fn = jax.jit(jax.value_and_grad(lambda p: prob.objective(p, state, batch)[0]))
    losses = []
    for _ in range(steps):
        loss, g = loss_fn(params)
        losses.append(float(loss))
        up, opt = tx.update(g, opt, params)
        params = optax.apply_updates(params, up)
    return losses, params, state


def test_full_batch_gd_equals_a_direct_optax_loop(small_mlp_problem):
    """Independent reference: a plain Python loop of jax.grad + optax.sgd on the whole split."""
    prob = small_mlp_problem
    res = _sweep(
        prob, {"learning_rate": [0.3, 0.05], "momentum": 0.9}, batch_size=None, keep_params=True
    )
    data = prob.data
    for i, lr in enumerate([0.3, 0.05]):
        losses, params, state = _direct_full_batch(prob, optax.sgd(lr, momentum=0.9), 30)
        expected = np.asarray(losses).reshape(3, 10).mean(1)
        np.testing.assert_allclose(res.metrics["train_loss"][i], expected, rtol=2e-5)
        for a, b in zip(jax.tree.leaves(res.params), jax.tree.leaves(params), strict=True):
            np.testing.assert_allclose(a[i], b, rtol=1e-4, atol=1e-6)
        # Held-out metrics: exact means over the test split at the window ends.
        logits = prob.apply(params, state, data.test.x)
        acc = float(jnp.mean(jnp.argmax(logits, -1) == data.test.y))
        np.testing.assert_allclose(res.metrics["test_accuracy"][i, -1], acc, atol=1e-6)


def test_trial_equals_the_same_trial_alone(small_mlp_problem):
    table = {"learning_rate": LRS, "momentum": 0.9}
    together = _sweep(small_mlp_problem, table, keep_params=True)
    for i, lr in enumerate(LRS):
        alone = _sweep(
            small_mlp_problem, {"learning_rate": [lr], "momentum": 0.9}, keep_params=True
        )
        for name, curve in together.metrics.items():
            np.testing.assert_allclose(
                curve[i],
                alone.metrics[name][0],
                rtol=1e-5,
                atol=1e-6,
                err_msg=f"{name} of trial {i}",
            )
        for a, b in zip(
            jax.tree.leaves(together.params), jax.tree.leaves(alone.params), strict=True
        ):
            # Batched and single GEMMs sum in different orders: float32 noise relative to
            # the tensor's scale (trial 3, at a rate of 2, grows weights of ~100 and amplifies
            # it; measured 2.3e-6 of the scale), nothing more (README, "independent trials").
            np.testing.assert_allclose(a[i], b[0], rtol=1e-5, atol=1e-5 * np.abs(b[0]).max())


def test_a_nan_trial_leaves_every_other_trial_unchanged(small_mlp_problem):
    clean = _sweep(small_mlp_problem, {"learning_rate": LRS})
    poisoned = _sweep(small_mlp_problem, {"learning_rate": np.insert(LRS, 2, 1e9)})
    # A rate of 1e9 blows up on the very first update: the step whose update diverged is 0.
    assert poisoned.diverged.tolist() == [False, False, True, False, False]
    assert poisoned.diverged_at.tolist() == [-1, -1, 0, -1, -1]
    assert np.all(np.isnan(poisoned.metrics["test_loss"][2, 1:]))
    keep = [0, 1, 3, 4]
    np.testing.assert_array_equal(poisoned.diverged[keep], clean.diverged)
    np.testing.assert_array_equal(poisoned.diverged_at[keep], clean.diverged_at)
    for name in clean.metrics:
        np.testing.assert_allclose(
            poisoned.metrics[name][keep], clean.metrics[name], rtol=1e-6, atol=1e-7
        )


def test_results_do_not_depend_on_chunking(small_mlp_problem):
    table = {"learning_rate": LRS, "momentum": [0.0, 0.5, 0.9, 0.9]}
    one = _sweep(small_mlp_problem, table, chunk_size=1)
    three = _sweep(small_mlp_problem, table, chunk_size=3)  # 2 chunks, the last one padded
    big = _sweep(small_mlp_problem, table, chunk_size=64)
    for name in one.metrics:
        np.testing.assert_allclose(three.metrics[name], one.metrics[name], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(big.metrics[name], one.metrics[name], rtol=1e-5, atol=1e-6)


def test_seed_column_gives_replicates(small_mlp_problem):
    table = {"learning_rate": [0.1, 0.1, 0.1], "seed": [0, 1, 0]}
    res = _sweep(small_mlp_problem, table, keep_params=True)
    assert res.info["batching"] == "per_seed"
    w = jax.tree.leaves(res.params)[0]
    np.testing.assert_array_equal(w[0], w[2])  # same seed, same hyperparameters: same run
    assert not np.allclose(w[0], w[1])  # another seed: other weights and batches
    alone = _sweep(small_mlp_problem, {"learning_rate": [0.1]}, seed=1)
    np.testing.assert_allclose(
        res.metrics["train_loss"][1], alone.metrics["train_loss"][0], rtol=1e-5
    )


def test_new_values_never_cause_new_traces(small_mlp_problem):
    def traced_calls(table):
        calls = []

        def counting_sgd(learning_rate, momentum):
            calls.append(isinstance(momentum, jax.core.Tracer))
            return js.optim.sgd(learning_rate, momentum=momentum)

        js.sweep(
            small_mlp_problem,
            counting_sgd,
            table,
            steps=10,
            eval_every=5,
            batch_size=32,
            progress=False,
        )
        return sum(calls)

    two = traced_calls({"learning_rate": [0.05, 0.1], "momentum": [0.0, 0.9]})
    six = traced_calls(js.grid(learning_rate=[0.05, 0.1], momentum=[0.0, 0.5, 0.9]))
    assert two == six  # momentum 0 and 0.9 share one compiled program; more values, no retrace


def test_keep_params_and_trajectory_agree(small_mlp_problem):
    res = _sweep(small_mlp_problem, {"learning_rate": LRS}, keep_params=True, trajectory=[1, 3])
    traj = res.trajectory
    np.testing.assert_array_equal(traj["steps"], [0, 10, 20, 30])
    for t_leaf, p_leaf in zip(
        jax.tree.leaves(traj["params"]), jax.tree.leaves(res.params), strict=True
    ):
        assert t_leaf.shape[:2] == (2, 4)
        np.testing.assert_allclose(t_leaf[:, -1], p_leaf[[1, 3]], rtol=1e-6)
    init_params, _ = small_mlp_problem.init(jax.random.key(0))
    for t_leaf, i_leaf in zip(
        jax.tree.leaves(traj["params"]), jax.tree.leaves(init_params), strict=True
    ):
        np.testing.assert_allclose(t_leaf[0, 0], i_leaf, rtol=1e-6)


def test_optax_alias_equals_a_direct_optax_loop(small_mlp_problem):
    """An optax alias (its hyperparameters traced per trial) against a plain Python loop of
    jax.grad + the same alias with concrete values, full batch so the data are identical."""
    prob = small_mlp_problem
    lrs = [1e-3, 1e-2]
    res = js.sweep(
        prob,
        optax.adam,
        {"learning_rate": lrs, "b1": 0.8},
        steps=20,
        eval_every=10,
        batch_size=None,
        keep_params=True,
        progress=False,
    )
    for i, lr in enumerate(lrs):
        losses, params, _ = _direct_full_batch(prob, optax.adam(lr, b1=0.8), 20)
        expected = np.asarray(losses).reshape(2, 10).mean(1)
        np.testing.assert_allclose(res.metrics["train_loss"][i], expected, rtol=2e-5)
        for a, b in zip(jax.tree.leaves(res.params), jax.tree.leaves(params), strict=True):
            np.testing.assert_allclose(a[i], b, rtol=1e-4, atol=1e-6)
    assert res.metrics["train_loss"][1, -1] < res.metrics["train_loss"][0, -1]  # lr matters


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ({"learning_rate": [0.1, 0.2], "momentum": [0.1, 0.2, 0.3]}, "different lengths"),
        ({"learning_rate": 0.1, "beta": 0.3}, "unknown hyperparameter"),
        ({}, "empty"),
        ({"learning_rate": []}, "empty"),
        ({"learning_rate": [0.1, np.nan]}, "finite"),
        ({"learning_rate": [0.1, -0.5]}, "learning_rate"),
        ({"learning_rate": 0.1, "momentum": [0.5, 1.5]}, "momentum"),
        ({"learning_rate": 0.1, "seed": [0.5, 1.0]}, "seed"),
        ({"learning_rate": [[0.1, 0.2]]}, "1-D"),
    ],
)
def test_bad_tables_fail_before_compiling(table, match):
    traced = []

    def loss(p):
        traced.append(1)
        return jnp.sum(p**2)

    prob = js.Problem.from_loss(loss, jnp.ones(2))
    before = len(traced)
    with pytest.raises((ValueError, TypeError), match=match):
        js.sweep(prob, js.optim.sgd, table, steps=5, progress=False)
    assert len(traced) == before  # nothing was traced, so nothing compiled


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"steps": 0}, "steps"),
        ({"steps": 10, "eval_every": 20}, "eval_every"),
        ({"steps": 10, "batch_size": 10_000}, "batch_size"),
        ({"steps": 10, "diverge_factor": -1.0}, "diverge_factor"),
        ({"steps": 10, "trajectory": [7]}, "trajectory"),
        ({"steps": 2.5}, "steps"),
    ],
)
def test_bad_arguments_name_themselves(small_mlp_problem, kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        js.sweep(small_mlp_problem, js.optim.sgd, {"learning_rate": 0.1}, progress=False, **kw)


def test_cpu_chunks_sized_to_the_cache_give_the_same_numbers(small_mlp_problem, monkeypatch):
    from jaxscape.population import memory
    from jaxscape.population.plan import ladder_up

    table = {"learning_rate": LRS, "momentum": 0.9}
    whole = _sweep(small_mlp_problem, table, keep_params=True)
    monkeypatch.setattr(memory, "CPU_CHUNK_BYTES", 1)  # one trial fits: chunks of one
    grouped = _sweep(small_mlp_problem, table, keep_params=True)
    assert grouped.info["chunk_size"] == 1
    assert whole.info["chunk_size"] == ladder_up(len(LRS))
    for name in whole.metrics:
        np.testing.assert_allclose(grouped.metrics[name], whole.metrics[name], rtol=1e-5, atol=1e-6)
    for a, b in zip(jax.tree.leaves(grouped.params), jax.tree.leaves(whole.params), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6 * np.abs(b).max())
