"""Bad input is refused before anything trains, naming what was passed and what is allowed."""

import jax.numpy as jnp
import pytest

import jaxscape as js
from jaxscape import search
from jaxscape.cli import main
from jaxscape.search import Space

pytest.importorskip("optuna")

PROB = js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(3))
SPACE = Space({"learning_rate": search.log_uniform(1e-3, 1.0)})


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if anything reaches the engine."""
    import sys

    import jaxscape.search._evaluate as ev

    hb = sys.modules["jaxscape.search.hyperband"]  # the package attribute is the function

    def refuse(*a, **k):
        raise AssertionError("trained before refusing")

    monkeypatch.setattr(ev, "sweep", refuse)
    monkeypatch.setattr(hb, "sweep", refuse)


def test_choice_given_a_list_is_a_type_error():
    with pytest.raises(TypeError, match=r"choice needs a dict .* got list"):
        search.choice(["sgd", "adam"])
    with pytest.raises(TypeError, match=r"optimizer: choice needs a table .* categorical"):
        Space.from_dict({"optimizer": {"choice": ["sgd", "adam"]}})


def test_a_space_of_fixed_values_is_refused(no_training):
    fixed = Space({"learning_rate": 0.1})
    with pytest.raises(ValueError, match=r"nothing to search .* budget=4"):
        search.random_search(PROB, fixed, 5, budget=4)


@pytest.mark.parametrize(
    "call, err, match",
    [
        (lambda: search.random_search(PROB, SPACE, 2.5, budget=2), TypeError, "int .*2.5"),
        (
            lambda: search.random_search(PROB, SPACE, js.Training(steps=3), budget=1.5),
            TypeError,
            "budget must be an int",
        ),
        (
            lambda: search.coarse_to_fine(PROB, SPACE, 3, rounds=1.5),
            TypeError,
            "rounds must be an int",
        ),
        (
            lambda: search.coarse_to_fine(PROB, SPACE, 3, per_round=0),
            ValueError,
            "per_round must be >= 1",
        ),
        (
            lambda: search.coarse_to_fine(PROB, SPACE, 3, per_round=2, top=3),
            ValueError,
            "top must be in .*per_round=2",
        ),
        (lambda: search.hyperband(PROB, SPACE, 9, min_steps=10), ValueError, "min_steps \\(10\\)"),
        (lambda: search.hyperband(PROB, SPACE, 9, eta=1), ValueError, "eta must be"),
        (
            lambda: search.hyperband(PROB, SPACE, 9, min_steps=1, budget=20),
            ValueError,
            "budget=20 .*cheapest costs 21",
        ),
        (
            lambda: search.hyperband(PROB, SPACE, 9, budget=100, brackets=[0]),
            ValueError,
            "budget or brackets",
        ),
        (
            lambda: search.random_search(
                PROB, SPACE, 3, budget=2, record=search.Record(storage="sqlite:////no/such/d/x.db")
            ),
            ValueError,
            "storage 'sqlite:////no/such/d/x.db' cannot be opened",
        ),
        (lambda: search.Record(storage="search.db"), ValueError, "database URL"),
    ],
)
def test_bad_arguments_are_refused_naming_them(no_training, call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_hyperband_honours_its_budget():
    # R = 9, eta = 3, r_min = 1: brackets 9x1 + 3x2 + 1x6, 5x3 + 1x6 and 3x9 steps
    quiet = search.Record(test=False)
    res = search.hyperband(PROB, SPACE, 9, min_steps=1, budget=50, record=quiet)
    assert sorted(set(res.bracket.tolist())) == [0, 1] and int(res.resource.sum()) == 21 + 21
    more = search.hyperband(PROB, SPACE, 9, min_steps=1, budget=100, record=quiet)
    assert sorted(set(more.bracket.tolist())) == [0, 1, 2, 3]  # a second iteration begins
    assert int(more.resource.sum()) == 21 + 21 + 27 + 21


@pytest.mark.parametrize(
    "flags, match",
    [
        (["--batch", "0"], "--batch must be a positive integer, got 0"),
        (["--strategy", "pbt", "--interval", "0"], "--interval must be a positive integer"),
        (["--strategy", "hyperband", "--batch", "4"], "does not use --batch"),
        (["--strategy", "random", "--interval", "4"], "does not use --interval"),
        (["--storage", "mysql+nosuchdriver://x/y"], "storage .* cannot be opened"),
    ],
)
def test_cli_refuses_in_one_line(tmp_path, capsys, flags, match):
    import re

    space = tmp_path / "space.toml"
    space.write_text("[learning_rate]\nlog_uniform = [1e-3, 1.0]\n")
    argv = ["search", "--space", str(space), "--steps", "2", "--budget", "2"]
    argv += ["--model", "logreg", "--out", str(tmp_path / "out"), "--quiet", *flags]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and re.search(match, err), err
