"""The CLI with the user's code: ``--model mod:factory``, ``--data mod:loader``, ``--config``
and the ``resolved.toml`` that repeats a run."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from jaxscape._io import load_npz
from jaxscape.cli import main

USER_MODULE = """
import numpy as np
from flax import nnx

import jaxscape as js


class Net(nnx.Module):
    def __init__(self, rngs, input_shape, num_outputs):
        self.hidden = nnx.Linear(int(np.prod(input_shape)), 8, rngs=rngs)
        self.out = nnx.Linear(8, num_outputs, rngs=rngs)

    def __call__(self, x):
        return self.out(nnx.relu(self.hidden(x.reshape(x.shape[0], -1))))


def factory(rngs, input_shape, num_outputs):
    return Net(rngs, input_shape, num_outputs)


def loader():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")


def problem():
    x, y = loader()
    return js.Problem.from_model(js.models.MLP(hidden=(4,)), js.data.from_arrays(x, y))


class KwNet(nnx.Module):
    def __init__(self, *, rngs, num_outputs):
        self.out = nnx.Linear(5, num_outputs, rngs=rngs)


NOT_CALLABLE = 3
"""

#: A tiny, quick sweep of the user's model on the user's data.
TINY = ["--lr", "0.05,0.5", "--steps", "4", "--batch-size", "16", "--quiet"]


@pytest.fixture()
def user_module(user_code):
    """A module ``jsuser_mod`` importable from ``tmp_path`` (on ``sys.path``)."""
    return user_code("jsuser_mod", USER_MODULE)


def _sweep(out, *args: str) -> int:
    return main(["sweep", *args, "--out", str(out)])


def test_user_model_and_loader_sweep_then_repeat_from_resolved(user_module, tmp_path, capsys):
    out = tmp_path / "a"
    assert (
        _sweep(out, "--model", f"{user_module}:factory", "--data", f"{user_module}:loader", *TINY)
        == 0
    )
    assert "factory on loader" in capsys.readouterr().out
    resolved = tomllib.loads((out / "resolved.toml").read_text())
    assert resolved["model"] == f"{user_module}:factory" and resolved["steps"] == 4
    assert resolved["run"]["command"] == "sweep" and resolved["run"]["jax"]
    again = tmp_path / "b"
    assert main(["sweep", "--config", str(out / "resolved.toml"), "--out", str(again)]) == 0
    first, second = load_npz(out / "metrics.npz"), load_npz(again / "metrics.npz")
    assert sorted(first) == sorted(second)
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])


def test_a_file_path_and_a_ready_problem(user_module, tmp_path):
    path = tmp_path / f"{user_module}.py"
    assert _sweep(tmp_path / "p", "--model", f"{path}:problem", *TINY) == 0


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--model", "jsuser_mod"], "package.module:factory"),
        (["--model", "no_such_mod_xyz:f"], "cannot import module 'no_such_mod_xyz'"),
        (["--model", "jsuser_mod:nope"], "has no attribute 'nope'"),
        (["--model", "jsuser_mod:NOT_CALLABLE"], "not callable"),
        (["--data", "jsuser_mod:NOT_CALLABLE"], "not callable"),
        (["--data", "no_such_mod_xyz:load"], "cannot import module 'no_such_mod_xyz'"),
        (["--model", "jsuser_mod:problem", "--data", "house"], "drop --data"),
    ],
)
def test_bad_user_code_is_one_line_and_status_2(user_module, tmp_path, capsys, args, said):
    assert _sweep(tmp_path / "bad", *args, *TINY) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and said in err, err
    if "import" in said or "attribute" in said:  # found before the output folder is made
        assert not (tmp_path / "bad").exists()


def test_config_file_and_command_line_precedence(tmp_path):
    from jaxscape.cli import build_parser
    from jaxscape.cli._config import prepare_run

    config = tmp_path / "run.toml"
    config.write_text('steps = 7\nbatch_size = 8\nhp = ["momentum=0.9"]\nhidden = [16, 8]\n')
    argv = ["sweep", "--config", str(config), "--steps", "3", "--out", str(tmp_path / "o")]
    args = build_parser().parse_args(argv)
    prepare_run(build_parser, args, argv)
    assert (args.steps, args.batch_size, args.hp, args.hidden) == (3, 8, ["momentum=0.9"], "16,8")
    written = tomllib.loads((tmp_path / "o" / "resolved.toml").read_text())
    assert written["steps"] == 3 and written["batch-size"] == 8


def test_unknown_config_key_names_it_and_the_valid_ones(tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text("steps = 3\nlearning_rate = 0.1\n")
    assert main(["sweep", "--config", str(config), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "unknown key 'learning_rate'" in err and "batch-size" in err and "lr" in err


def test_every_command_takes_config():
    import argparse

    from jaxscape.cli import build_parser

    def leaves(parser):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            return [parser]
        return [leaf for a in subs for p in a.choices.values() for leaf in leaves(p)]

    found = leaves(build_parser())
    assert len(found) >= 8  # recipe, sweep, landscape, search, 3 studies, 2 benches
    for parser in found:
        assert any("--config" in a.option_strings for a in parser._actions), parser.prog


def test_config_keys_are_option_names_and_the_command_must_match(tmp_path):
    from jaxscape.cli import build_parser
    from jaxscape.cli._config import prepare_run

    config = tmp_path / "line.toml"
    config.write_text('from = "a.npz"\nrange = "-2:2"\nplane = true\n')
    argv = ["landscape", "--config", str(config), "--out", str(tmp_path / "o"), "--range=-1:1"]
    args = build_parser().parse_args(argv)
    prepare_run(build_parser, args, argv)
    assert (args.from_path, args.span, args.plane) == ("a.npz", "-1:1", True)
    argv = ["sweep", "--config", str(tmp_path / "o" / "resolved.toml")]
    with pytest.raises(ValueError, match="written by 'jaxscape landscape'"):
        prepare_run(build_parser, build_parser().parse_args(argv), argv)


def test_an_nnx_class_with_keyword_rngs_is_a_factory(user_module):
    from flax import nnx

    from jaxscape import data as jdata
    from jaxscape.cli._user_code import module_factory, user_model

    x = np.zeros((10, 5), np.float32)
    data = jdata.from_arrays(x, np.arange(10) % 3, val_fraction=0)
    net = module_factory(user_model(f"{user_module}:KwNet"), data)(nnx.Rngs(0))
    assert net.out.kernel.shape == (5, 3)
