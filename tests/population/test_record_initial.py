"""``record_initial=True``: the first recorded column is step 0, the initial weights' metrics."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape.tune._common import initial_metrics_many

SEEDS = [0, 1, 2, 5, 7]


class Interrupt(Exception):
    pass


def _run(prob, **kw):
    table = {"learning_rate": [0.02, 0.1, 0.4, 0.05, 0.2], "seed": SEEDS, "momentum": 0.9}
    return js.sweep(
        prob,
        js.optim.sgd,
        table,
        steps=12,
        eval_every=4,
        batch_size=32,
        chunk_size=2,
        progress=False,
        **kw,
    )


def _direct_test_metrics(prob, seeds):
    """The test split of each seed's initial weights, one seed at a time (a plain loop)."""
    out = {}
    x, y = np.asarray(prob.data.test.x), np.asarray(prob.data.test.y)
    for seed in seeds:
        params, state = prob.init(jax.random.key(seed))
        metrics = prob.evaluate(params, state, (jnp.asarray(x), jnp.asarray(y)))
        for k, v in metrics.items():
            out.setdefault(f"test_{k}", []).append(float(v))
    return {k: np.asarray(v) for k, v in out.items()}


def test_step_zero_holds_the_metrics_of_the_initial_weights(small_mlp_problem):
    prob = small_mlp_problem
    res = _run(prob, record_initial=True)
    plain = _run(prob)
    assert res.steps.tolist() == [0, *plain.steps.tolist()]
    want = initial_metrics_many(prob, np.asarray(SEEDS))  # train and val, an independent path
    assert {"train_loss", "train_accuracy", "val_loss", "val_accuracy"} <= set(want)
    for name, values in {**want, **_direct_test_metrics(prob, SEEDS)}.items():
        np.testing.assert_allclose(res.metrics[name][:, 0], values, rtol=2e-5, err_msg=name)
    # The later records are those of a run that records no start, bitwise.
    for name, curve in plain.metrics.items():
        np.testing.assert_array_equal(res.metrics[name][:, 1:], curve)
    assert res.info["record_initial"] is True and "record_initial" not in plain.info


def test_full_batch_problem_records_the_closed_form_initial_loss():
    h = np.array([1.0, 3.0, 0.5])
    prob = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(h * p**2), jnp.ones(3))
    table = {"learning_rate": [0.05, 0.2], "hypergrad_lr": 0.0}
    res = js.sweep(prob, js.optim.sgd_hd, table, steps=6, eval_every=3, record_initial=True,
                   progress=False)  # fmt: skip
    assert res.steps.tolist() == [0, 3, 6]
    np.testing.assert_allclose(res.metrics["train_loss"][:, 0], 0.5 * h.sum(), rtol=1e-6)
    # the optimizer's exposed rate at initialisation is its initial value
    np.testing.assert_allclose(res.metrics["opt_learning_rate"][:, 0], [0.05, 0.2], rtol=1e-6)


def test_a_resumed_run_records_step_zero_once(small_mlp_problem, tmp_path):
    reference = _run(small_mlp_problem, record_initial=True)
    path = tmp_path / "sweep.ckpt.npz"
    seen = []

    def stop_after_four_calls(info):
        seen.append(info)
        if len(seen) == 4:  # mid-way through the second chunk
            raise Interrupt

    with pytest.raises(Interrupt):
        _run(small_mlp_problem, record_initial=True, checkpoint=path, checkpoint_every=0,
             callback=stop_after_four_calls)  # fmt: skip
    resumed = _run(small_mlp_problem, record_initial=True, checkpoint=path, checkpoint_every=0)
    assert resumed.steps.tolist() == reference.steps.tolist()
    for name, curve in reference.metrics.items():
        np.testing.assert_array_equal(resumed.metrics[name], curve, err_msg=name)
    # a checkpoint of a run without the step-0 record is refused, naming the setting
    with pytest.raises(ValueError, match="record_initial"):
        _run(small_mlp_problem, checkpoint=path)


def test_a_continued_run_does_not_record_step_zero_again(small_mlp_problem):
    first = _run(small_mlp_problem, record_initial=True, keep_state=True)
    more = _run(small_mlp_problem, record_initial=True, start=first.state)
    whole = js.sweep(
        small_mlp_problem,
        js.optim.sgd,
        {"learning_rate": [0.02, 0.1, 0.4, 0.05, 0.2], "seed": SEEDS, "momentum": 0.9},
        steps=24,
        eval_every=4,
        batch_size=32,
        chunk_size=2,
        progress=False,
    )
    assert more.steps.tolist() == [16, 20, 24]
    for name, curve in whole.metrics.items():
        np.testing.assert_array_equal(more.metrics[name], curve[:, 3:], err_msg=name)


def test_record_initial_must_be_a_bool(small_mlp_problem):
    with pytest.raises(TypeError, match="record_initial"):
        _run(small_mlp_problem, record_initial="yes")


def test_each_seed_is_evaluated_by_one_program_whatever_the_optimizer(digits, compiled_names):
    """Step 0 depends on the seeds' weights only: populations of two optimizers compile one
    evaluation program, and their step-0 columns are the same numbers."""
    prob = js.Problem.from_model(js.models.MLP(hidden=(7,)), digits)
    kw = dict(steps=4, batch_size=32, record_initial=True, progress=False)
    sgd = js.sweep(prob, js.optim.sgd, {"learning_rate": [0.1, 0.2], "seed": [0, 1]}, **kw)
    adam = js.sweep(prob, js.optim.adam, {"learning_rate": [1e-3, 1e-2, 3e-3],
                                          "seed": [1, 0, 1]}, **kw)  # fmt: skip
    assert compiled_names.count("jit(seed_eval)") == 1
    for name in ("train_loss", "val_accuracy"):
        np.testing.assert_array_equal(adam.metrics[name][:, 0], sgd.metrics[name][[1, 0, 1], 0])
