"""An interrupted recipe resumes from its checkpoints and ends with the uninterrupted report."""

from __future__ import annotations

import json

import jax.numpy as jnp
import pytest

import jaxscape as js
from jaxscape.population import engine
from jaxscape.tune._resume import clear, next_checkpoint, resumable, step

BUDGET = js.tune.Budget.quick(
    epochs=1, train_epochs=2, seeds=2, num_rates=5, num_momenta=3, direction_steps=5
)


def _run(prob, folder=None, budget=BUDGET):
    return js.tune.recipe(
        prob,
        budget=budget,
        optimizers=("adam",),
        progress=False,
        log=None,
        checkpoint_dir=folder,
    )


def _numbers(report) -> str:
    """Everything the report concluded and measured, without wall times and dates."""
    s = report.to_dict()
    s.pop("info")
    return json.dumps(s, sort_keys=True)


class Interrupt(Exception):
    pass


@pytest.fixture(scope="module")
def reference(small_mlp_problem):
    """The uninterrupted report, and how many populations it ran."""
    with pytest.MonkeyPatch.context() as m:
        made = _count_training(m)
        report = _run(small_mlp_problem)
    return _numbers(report), len(made)


def _count_training(monkeypatch, stop_after=None):
    """Count the populations that train (a population read back whole from its checkpoint
    runs no chunk); raise Interrupt when the one after ``stop_after`` starts."""
    made, seen = [], set()
    original = engine._run_chunk

    def counting(loop, *args, **kwargs):
        if id(loop) not in seen:
            if stop_after is not None and len(made) >= stop_after:
                raise Interrupt
            seen.add(id(loop))
            made.append(loop)  # held, so that no later population reuses its id
        return original(loop, *args, **kwargs)

    monkeypatch.setattr(engine, "_run_chunk", counting)
    return made


def test_interrupted_recipe_resumes_to_the_same_report(
    small_mlp_problem, reference, tmp_path, monkeypatch
):
    reference, programs = reference
    folder = tmp_path / "ckpt"
    with monkeypatch.context() as m:  # "Ctrl-C" when the fourth population starts
        _count_training(m, stop_after=3)
        with pytest.raises(Interrupt):
            _run(small_mlp_problem, folder)
    saved = sorted(p.name for p in folder.glob("*.ckpt.npz"))
    assert saved[:3] == [  # filed by step: the direction (1), the rate (2), the momentum (3)
        "1_initial_line-direction.ckpt.npz",
        "2_learning_rate-range.ckpt.npz",
        "3_momentum-range.ckpt.npz",
    ]
    made = _count_training(monkeypatch)
    resumed = _run(small_mlp_problem, folder)
    assert _numbers(resumed) == reference
    assert resumed.info["resumed_populations"] == len(saved)
    # the finished populations were read back, not trained again
    assert 1 <= len(made) <= programs - 3
    # and a second call trains nothing at all
    made.clear()
    assert _numbers(_run(small_mlp_problem, folder)) == reference and made == []


def test_a_folder_of_another_run_is_emptied_first(tmp_path, monkeypatch):
    prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w**2), jnp.ones((3, 2)))
    folder = tmp_path / "ckpt"
    _run(prob, folder, BUDGET.replace(num_rates=6))
    made = _count_training(monkeypatch)
    report = _run(prob, folder)  # another budget: nothing may be reused
    assert len(made) == len(list(folder.glob("*.ckpt.npz"))) > 0
    assert report.info["resumed_populations"] == 0
    assert report.results["lr_range"].values.size == BUDGET.num_rates
    clear(folder)
    assert not folder.exists()


def test_only_the_files_it_wrote_are_deleted(tmp_path, monkeypatch):
    prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w**2), jnp.ones((3, 2)))
    folder = tmp_path / "ckpt"
    folder.mkdir()
    # a user's files, one with the suffix and one with the very form of a checkpoint name
    foreign = {"model.ckpt.npz": b"user", "99_mine.ckpt.npz": b"user too", "notes.txt": b"n"}
    for name, data in foreign.items():
        (folder / name).write_bytes(data)
    _run(prob, folder, BUDGET.replace(num_rates=6))
    ours = json.loads((folder / "run.json").read_text())["files"]
    assert ours and not set(ours) & set(foreign)
    (folder / f".{ours[0]}.abc123.tmp").write_bytes(b"left by a killed write")
    _run(prob, folder)  # another sequence: its own old checkpoints go, nothing else
    for name, data in foreign.items():
        assert (folder / name).read_bytes() == data
    assert not (folder / f".{ours[0]}.abc123.tmp").exists()
    clear(folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(foreign)


def test_checkpoints_are_named_by_step_not_by_position(tmp_path):
    """A step's files keep their names however many populations the steps before it trained,
    and a folder of the counter-named format is emptied of its own files only."""
    folder = tmp_path / "ckpt"
    assert next_checkpoint("range") is None  # outside resumable: no checkpoints
    with resumable(folder, {"run": 1}):
        with step("2_learning_rate"):
            names = [next_checkpoint("range").name, next_checkpoint("ramp").name]
            names.append(next_checkpoint("range").name)
        with step("3_momentum"):
            names.append(next_checkpoint("range").name)
    assert names == [
        "2_learning_rate-range.ckpt.npz",
        "2_learning_rate-ramp.ckpt.npz",
        "2_learning_rate-range-2.ckpt.npz",
        "3_momentum-range.ckpt.npz",
    ]
    with resumable(folder, {"run": 1}), step("3_momentum"):  # the same name, step 2 skipped
        assert next_checkpoint("range").name == names[-1]
    with pytest.raises(ValueError, match="step name"), step("2. rate"):
        pass
    old = tmp_path / "old"
    old.mkdir()
    (old / "run.json").write_text(
        json.dumps({"format": "jaxscape.resume/1", "key": "k", "files": ["01_range.ckpt.npz"]})
    )
    for name in ("01_range.ckpt.npz", "notes.txt"):
        (old / name).write_bytes(b"x")
    with resumable(old, {"run": 1}) as found:
        assert found == 0
    assert sorted(p.name for p in old.iterdir()) == ["notes.txt", "run.json"]
