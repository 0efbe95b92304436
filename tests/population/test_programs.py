"""A program is compiled at most once per process: counted with ``jax.monitoring``'s backend
compile events (deterministic), never timed. And the two ways of advancing a window (one
``lax.scan`` per window, one step per compiled call) give the same numbers."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape.population import dispatch
from jaxscape.population.plan import ladder_up
from jaxscape.population.programs import compile_count, static_key


def _sweep(prob, lrs, **kw):
    kw = {"steps": 12, "eval_every": 4, "batch_size": 16, "progress": False, **kw}
    return js.sweep(prob, js.optim.sgd, {"learning_rate": lrs, "momentum": 0.9}, **kw)


def _count(fn):
    before = compile_count()
    out = fn()
    return out, compile_count() - before


def test_a_second_sweep_with_new_values_compiles_nothing(digits):
    prob = js.Problem.from_model(js.models.MLP(hidden=(12,)), digits)
    _, first = _count(lambda: _sweep(prob, np.geomspace(0.01, 0.3, 12)))
    res, again = _count(lambda: _sweep(prob, np.geomspace(0.02, 0.5, 12)))
    assert first > 0 and again == 0
    assert res.info["compile_s"] == 0.0


def test_fewer_trials_and_other_seeds_compile_nothing(digits):
    prob = js.Problem.from_model(js.models.MLP(hidden=(11,)), digits)
    _sweep(prob, np.geomspace(0.01, 0.3, 12))
    # 9 trials pad to the ladder's 12: the same programs
    res, fewer = _count(lambda: _sweep(prob, np.geomspace(0.01, 0.3, 9)))
    assert ladder_up(9) == 12 and res.info["chunk_size"] == 12 and fewer == 0
    assert res.hyperparams["learning_rate"].shape == (9,)  # padding lanes never appear
    assert all(v.shape[0] == 9 for v in res.metrics.values())
    _, seeded = _count(lambda: _sweep(prob, np.geomspace(0.01, 0.3, 12), seed=7))
    assert seeded == 0  # one more seed's initialisation reuses the per-seed program


def test_pad_false_runs_the_population_at_its_own_size(digits):
    """A one-shot population (a range test's, a comparison's) need not pay for padding lanes:
    the same trials, to the float rounding of another chunk size."""
    prob = js.Problem.from_model(js.models.MLP(hidden=(9,)), digits)
    lrs = np.geomspace(0.01, 0.3, 9)
    padded = _sweep(prob, lrs)
    exact = _sweep(prob, lrs, pad=False)
    assert padded.info["chunk_size"] == 12 and exact.info["chunk_size"] == 9
    for k, v in padded.metrics.items():
        np.testing.assert_allclose(exact.metrics[k], v, rtol=1e-5, atol=1e-6, err_msg=k)
    with pytest.raises(TypeError, match="pad must be a bool"):
        _sweep(prob, lrs, pad="no")
    with pytest.raises(ValueError, match="pad_to"):
        _sweep(prob, lrs, pad=False, pad_to=16)


def test_a_new_field_value_is_a_new_program(digits):
    """The key is made of every StepConfig field: change one and the program differs."""
    prob = js.Problem.from_model(js.models.MLP(hidden=(10,)), digits)
    a = _sweep(prob, [0.1, 0.2])
    _, other = _count(lambda: _sweep(prob, [0.1, 0.2], diverge_factor=50.0))
    assert other > 0
    np.testing.assert_array_equal(
        a.metrics["train_loss"], _sweep(prob, [0.1, 0.2]).metrics["train_loss"]
    )


def test_static_key_reads_every_field():
    from dataclasses import fields

    from jaxscape.population.step import StepConfig

    prob = js.Problem.from_loss(lambda p: jnp.sum(p**2), jnp.ones(2))
    cfg = StepConfig(prob, js.optim.sgd, {}, "full", 100.0, 1024, False)
    assert [name for name, _ in static_key(cfg)] == [f.name for f in fields(StepConfig)]


def test_schedule_factories_built_afresh_share_programs(digits):
    prob = js.Problem.from_model(js.models.MLP(hidden=(9,)), digits)
    table = {"learning_rate": [0.1, 0.2], "decay": 0.9, "steps_per_epoch": 5}

    def run():
        opt = js.optim.with_schedule(js.optim.sgd, js.schedules.policy)  # a new closure
        return js.sweep(prob, opt, table, steps=8, batch_size=16, progress=False)

    run()
    _, again = _count(run)
    assert again == 0


class TinyConv:
    """A conv model small enough to compile in a second."""

    def __new__(cls, rngs):
        from flax import nnx

        class Net(nnx.Module):
            def __init__(self, rngs):
                self.conv = nnx.Conv(1, 4, kernel_size=(3, 3), rngs=rngs)
                self.out = nnx.Linear(4 * 64, 10, rngs=rngs)

            def __call__(self, x):
                h = nnx.relu(self.conv(x.reshape(x.shape[0], 8, 8, 1)))
                return self.out(h.reshape(h.shape[0], -1))

        return Net(rngs)


def test_convolutions_on_a_cpu_advance_one_step_per_call(digits, monkeypatch):
    prob = js.Problem.from_model(TinyConv, digits)
    lrs = [0.05, 0.2, 0.5]
    calls = []
    original = dispatch.loops_slow
    monkeypatch.setattr(
        "jaxscape.population.engine.loops_slow",
        lambda *a: calls.append(original(*a)) or calls[-1],
    )
    auto = _sweep(prob, lrs, keep_params=True)
    assert jax.default_backend() != "cpu" or set(calls) == {True}
    monkeypatch.setenv(dispatch.ENV, "window")
    scanned = _sweep(prob, lrs, keep_params=True)
    assert calls[-1] is False
    # Same steps from the same state; XLA may fuse a step differently inside a loop, so the
    # numbers agree to float rounding (measured: 1e-7 relative here).
    for name in auto.metrics:
        np.testing.assert_allclose(
            auto.metrics[name], scanned.metrics[name], rtol=2e-5, err_msg=name
        )
    for a, b in zip(jax.tree.leaves(auto.params), jax.tree.leaves(scanned.params), strict=True):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)


def test_a_window_of_one_step_is_not_looped_over_either(digits, compiled_names):
    """Recording every step (a ramp) must not put a convolution back inside a loop (the scan
    over windows of ``advance``): on a CPU only the one-step programs compile."""
    prob = js.Problem.from_model(TinyConv, digits)
    res = _sweep(prob, [0.05, 0.2], steps=5, eval_every=1)
    assert res.steps.tolist() == [1, 2, 3, 4, 5]
    if jax.default_backend() == "cpu":
        assert "jit(advance)" not in compiled_names and "jit(steps)" in compiled_names


def test_a_dense_model_runs_one_scan_per_window(small_mlp_problem, monkeypatch):
    monkeypatch.setenv(dispatch.ENV, "1")
    one = _sweep(small_mlp_problem, [0.05, 0.3], keep_params=True)
    monkeypatch.setenv(dispatch.ENV, "auto")
    auto = _sweep(small_mlp_problem, [0.05, 0.3], keep_params=True)
    for name in auto.metrics:
        np.testing.assert_allclose(one.metrics[name], auto.metrics[name], rtol=2e-5, err_msg=name)


def test_a_bad_override_is_refused(monkeypatch):
    monkeypatch.setenv(dispatch.ENV, "fast")
    with pytest.raises(ValueError, match="JAXSCAPE_STEPS_PER_CALL"):
        dispatch.loops_slow("cpu", True)


def test_a_second_sweep_sends_no_batch_table(digits, monkeypatch):
    """The batch indices of a call are placed once per process: a repeated sweep (a search's
    batches share one batch order) finds them on the device, and trains on the same rows."""
    from jaxscape.population import _chunks

    prob = js.Problem.from_model(js.models.MLP(hidden=(6,)), digits)
    first = _sweep(prob, [0.1, 0.3], seed=11)
    placed = []  # the batch tables placed: [windows, window_steps, batch] indices
    real = _chunks.replicate

    def count(tree, mesh):
        if getattr(tree, "ndim", 0) >= 2:
            placed.append(tree.shape)
        return real(tree, mesh)

    monkeypatch.setattr(_chunks, "replicate", count)
    again = _sweep(prob, [0.2, 0.05], seed=11)
    assert placed == []
    other = _sweep(prob, [0.2, 0.05], seed=12)  # another batch order is placed
    assert len(placed) > 0
    np.testing.assert_array_equal(
        again.metrics["train_loss"][::-1], _sweep(prob, [0.05, 0.2], seed=11).metrics["train_loss"]
    )
    assert not np.array_equal(other.metrics["train_loss"], again.metrics["train_loss"])
    assert first.metrics["train_loss"].shape == again.metrics["train_loss"].shape
