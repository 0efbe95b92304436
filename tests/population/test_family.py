"""Architecture as a column: a ProblemFamily's sweep runs one population per structure, each
trial equal to its structure's problem swept alone, merged in the table's order; a second
identical sweep compiles nothing; bad input is refused naming the argument."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape.population.programs import compile_count

HIDDEN = [16, 8, 16, 8]  # interleaved: the merged result must undo the grouping
LRS = [0.1, 0.1, 0.5, 0.5]
RUN = {"steps": 12, "eval_every": 4, "batch_size": 32, "seed": 3, "chunk_size": 2}


def _digits_family(digits):
    def build(hidden: int) -> js.Problem:
        return js.Problem.from_model(js.models.MLP(hidden=(hidden,)), digits)

    return js.ProblemFamily(build, name="mlp")


@pytest.fixture(scope="module")
def family(digits):
    return _digits_family(digits)


@pytest.fixture(scope="module")
def swept(family):
    table = {"hidden": HIDDEN, "learning_rate": LRS, "momentum": 0.9}
    return js.sweep(family, js.optim.sgd, table, progress=False, **RUN)


def test_each_trial_equals_its_structure_swept_alone_in_table_order(family, swept):
    assert swept.hyperparams["hidden"].tolist() == HIDDEN
    np.testing.assert_array_equal(swept.hyperparams["learning_rate"], np.float32(LRS))
    assert [s["structure"] for s in swept.info["structures"]] == [{"hidden": 16}, {"hidden": 8}]
    for i, (h, lr) in enumerate(zip(HIDDEN, LRS, strict=True)):
        alone = js.sweep(
            family.build(hidden=h), js.optim.sgd, {"learning_rate": [lr], "momentum": 0.9},
            progress=False, **RUN,
        )  # fmt: skip
        np.testing.assert_array_equal(swept.steps, alone.steps)
        for name, values in alone.metrics.items():
            np.testing.assert_array_equal(swept.metrics[name][i], values[0], err_msg=name)
        assert swept.diverged[i] == alone.diverged[0]
    finals = swept.metrics["val_loss"][:, -1]
    assert len({round(float(v), 5) for v in finals}) == 4  # four different trials


def test_a_second_identical_sweep_compiles_nothing(family, swept):
    table = {"hidden": HIDDEN, "learning_rate": LRS, "momentum": 0.9}
    before = compile_count()
    again = js.sweep(family, js.optim.sgd, table, progress=False, **RUN)
    assert compile_count() - before == 0
    np.testing.assert_array_equal(again.metrics["val_loss"], swept.metrics["val_loss"])


def test_one_problem_object_per_structure(family):
    assert family.problem(hidden=8) is family.problem(hidden=np.int64(8))
    assert family.problem(hidden=8) is not family.problem(hidden=16)
    assert family.parameters == ("hidden",)


def test_a_shared_structure_keeps_parameters_and_the_hook_sees_table_indices(family):
    events = []
    res = js.sweep(
        family, js.optim.sgd, {"hidden": [8, 16, 8], "learning_rate": [0.1, 0.2, 0.3]},
        steps=4, eval_every=2, batch_size=32, progress=False, on_record=events.append,
    )  # fmt: skip
    seen = sorted(t for e in events if e.step == 4 for t in e.trials.tolist())
    assert seen == [0, 1, 2]
    for e in events:
        np.testing.assert_array_equal(e.hyperparams["hidden"], np.asarray([8, 16, 8])[e.trials])
        column = res.metrics["train_loss"][:, e.column]
        np.testing.assert_array_equal(e.metrics["train_loss"], column[e.trials])
    one = js.sweep(
        family, js.optim.sgd, {"hidden": 8, "learning_rate": [0.1, 0.2]},
        steps=2, batch_size=32, progress=False, keep_params=True,
    )  # fmt: skip
    assert one.hyperparams["hidden"].tolist() == [8, 8]
    leaves = jax.tree.leaves(one.params)  # one structure: kept as a plain sweep keeps them
    assert leaves and all(leaf.shape[0] == 2 for leaf in leaves)


def test_bad_structural_values_are_refused_naming_the_column(family):
    run = {"steps": 2, "batch_size": 32, "progress": False}
    with pytest.raises(ValueError, match=r"table\['hidden'\] must be an integer.*8.5"):
        js.sweep(family, js.optim.sgd, {"hidden": [8, 8.5], "learning_rate": 0.1}, **run)
    with pytest.raises(TypeError, match=r"table\['hidden'\] must be an integer"):
        js.sweep(family, js.optim.sgd, {"hidden": "wide", "learning_rate": 0.1}, **run)
    with pytest.raises(ValueError, match=r"table\['hidden'\] is missing"):
        js.sweep(family, js.optim.sgd, {"learning_rate": 0.1}, **run)
    with pytest.raises(ValueError, match=r"table\['hidden'\] is empty"):
        js.sweep(family, js.optim.sgd, {"hidden": [], "learning_rate": 0.1}, **run)


def test_a_column_neither_the_family_nor_the_optimizer_takes_is_refused(family):
    with pytest.raises(ValueError, match=r"\['depth'\] are neither parameters of the family"):
        js.sweep(family, js.optim.sgd, {"hidden": 8, "depth": 2, "learning_rate": 0.1},
                 steps=2, batch_size=32, progress=False)  # fmt: skip


@pytest.mark.parametrize(
    "option", [{"keep_params": True}, {"keep_state": True}, {"trajectory": [0]},
               {"checkpoint": "ckpt.npz"}, {"prune": js.MedianStopping(metric=None)}],
)  # fmt: skip
def test_options_that_cannot_merge_are_refused_with_two_structures(digits, option):
    family = _digits_family(digits)  # nothing may be built before the refusal
    with pytest.raises(ValueError, match=f"^{next(iter(option))} cannot be combined"):
        js.sweep(family, js.optim.sgd, {"hidden": [8, 16], "learning_rate": 0.1},
                 steps=2, batch_size=32, progress=False, **option)  # fmt: skip
    assert repr(family).endswith("built=0)")


def test_build_must_name_its_parameters_and_return_a_problem():
    with pytest.raises(TypeError, match="build must name its structural parameters"):
        js.ProblemFamily(lambda **kw: None)
    with pytest.raises(TypeError, match="not a jaxscape Problem"):
        js.ProblemFamily(lambda width: width).problem(width=3)


def test_a_string_structure_is_a_column_of_the_result(tmp_path):
    def build(kind: str) -> js.Problem:
        scale = {"flat": 0.5, "steep": 1.5}[kind]
        return js.Problem.from_loss(lambda p: 0.5 * scale * jnp.sum(p**2), jnp.ones(3))

    family = js.ProblemFamily(build)
    table = {"kind": ["flat", "steep", "flat"], "learning_rate": [0.1, 0.1, 0.3]}
    res = js.sweep(family, js.optim.sgd, table, steps=4, progress=False)
    assert res.hyperparams["kind"].tolist() == ["flat", "steep", "flat"]
    loss = res.metrics["train_loss"][:, -1]  # the loss before the 4th step: p = (1 - lr s)^3
    want = [0.5 * s * 3 * (1 - lr * s) ** 6 for s, lr in ((0.5, 0.1), (1.5, 0.1), (0.5, 0.3))]
    np.testing.assert_allclose(loss, want, rtol=1e-5)
    assert {k: r.n_trials for k, r in res.arms("kind").items()} == {"flat": 2, "steep": 1}
    assert "steep" in res.summary() and res.best()["kind"] == "flat"
    back = js.SweepResult.load(res.save(tmp_path / "family"))
    assert back.hyperparams["kind"].tolist() == ["flat", "steep", "flat"]
