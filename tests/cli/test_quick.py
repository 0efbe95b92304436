"""``--quick`` sits under the flags given with it: an explicit flag wins over the preset (and
is what ``resolved.toml`` records), and a bad value is refused naming its flag (exit 2) — on
every command that has ``--quick``."""

from __future__ import annotations

import importlib
import tomllib

import pytest

from jaxscape.cli import main


class Stop(Exception):
    """Raised by a stand-in for the procedure once it has seen its arguments."""


def _capture(monkeypatch, module: str, name: str) -> dict:
    seen: dict = {}

    def fake(*args, **kwargs):
        seen.update(kwargs, args=args)
        raise Stop

    monkeypatch.setattr(importlib.import_module(module), name, fake)
    return seen


def _resolved(out) -> dict:
    return tomllib.loads((out / "resolved.toml").read_text())


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["recipe", "--model", "logreg", "--epochs", "0"], "--epochs"),
        (["recipe", "--model", "logreg", "--num-rates", "2"], "--num-rates"),
        (["study", "optimizers", "--max-steps", "0"], "--max-steps"),
        (["study", "optimizers", "--sample-every", "-5"], "--sample-every"),
        (["study", "optimizers", "--width", "0"], "--width"),
        (["study", "batch-size", "--epochs", "0"], "--epochs"),
        (["study", "batch-size", "--batch-sizes", "0,8"], "--batch-sizes"),
        (["study", "batch-size", "--hidden", "-1"], "--hidden"),
        (["study", "edge-of-stability", "--steps", "0"], "--steps"),
        (["study", "edge-of-stability", "--examples", "0"], "--examples"),
    ],
)
def test_a_bad_value_given_with_quick_is_refused_naming_its_flag(argv, flag, tmp_path, capsys):
    *command, option, value = argv
    assert main([*command, "--quick", option, value, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and flag in err and f"got {value.split(',')[0]}" in err


def test_recipe_budget_flags_win_over_quick(tmp_path, monkeypatch):
    seen = _capture(monkeypatch, "jaxscape.tune", "recipe")
    argv = ["recipe", "--quick", "--model", "logreg", "--epochs", "0.5", "--seeds", "3"]
    with pytest.raises(Stop):
        main([*argv, "--out", str(tmp_path)])
    budget = seen["budget"]
    assert budget.epochs == 0.5 and budget.seeds == 3  # given
    assert budget.num_rates == 9 and budget.train_epochs == 3.0  # the rest of the preset
    assert _resolved(tmp_path)["epochs"] == 0.5 and _resolved(tmp_path)["quick"] is True


def test_study_optimizers_flags_win_over_quick(tmp_path, monkeypatch):
    seen = _capture(monkeypatch, "jaxscape.study", "optimizer_zoo")
    argv = ["study", "optimizers", "--quick", "--max-steps", "150", "--width", "0.25"]
    with pytest.raises(Stop):
        main([*argv, "--out", str(tmp_path)])
    assert seen["max_steps"] == 150 and seen["width"] == 0.25  # given
    assert seen["sample_every"] == 50 and len(seen["learning_rates"]) == 4  # the preset
    assert _resolved(tmp_path)["max-steps"] == 150


def test_study_batch_size_flags_win_over_quick(tmp_path, monkeypatch):
    seen = _capture(monkeypatch, "jaxscape.study", "batch_size")
    argv = ["study", "batch-size", "--quick", "--epochs", "0.5", "--rates", "0.1,0.3"]
    with pytest.raises(Stop):
        main([*argv, "--hidden", "12", "--out", str(tmp_path)])
    assert seen["epochs"] == 0.5 and seen["learning_rates"] == (0.1, 0.3)  # given
    assert seen["model"].hidden == (12,)
    assert seen["batch_sizes"] == (8, 32)  # the preset
    # without --quick and without the flags: the command's defaults
    seen.clear()
    with pytest.raises(Stop):
        main(["study", "batch-size", "--out", str(tmp_path / "full")])
    assert seen["epochs"] == 8.0 and seen["model"].hidden == (64,) and len(seen["batch_sizes"]) > 2


def test_edge_of_stability_flags_win_over_quick(tmp_path, monkeypatch):
    seen = _capture(monkeypatch, "jaxscape.study.edge_of_stability", "edge_of_stability")
    argv = ["study", "edge-of-stability", "--quick", "--steps", "40", "--out", str(tmp_path)]
    with pytest.raises(Stop):
        main(argv)
    assert seen["steps"] == 40 and seen["n_examples"] == 500  # given; the preset


def test_a_clash_with_the_preset_names_both_flags(tmp_path, capsys):
    argv = ["study", "optimizers", "--quick", "--max-steps", "120", "--out", str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--max-steps (120)" in err and "--sample-every (50, --quick's)" in err
