"""``--hidden`` and ``--width`` size the built-in models; given for a model they do not size
(a user's factory, ``--hidden`` with ``cnn``) they are refused in one line, status 2."""

from __future__ import annotations

import pytest

import jaxscape as js
from jaxscape.cli import build_parser, main
from jaxscape.cli._common import build_model
from jaxscape.cli._config import prepare_run

USER_MODULE = """
import numpy as np
from flax import nnx


class Net(nnx.Module):
    def __init__(self, rngs, input_shape, num_outputs):
        self.out = nnx.Linear(int(np.prod(input_shape)), num_outputs, rngs=rngs)

    def __call__(self, x):
        return self.out(x.reshape(x.shape[0], -1))


def factory(rngs, input_shape, num_outputs):
    return Net(rngs, input_shape, num_outputs)
"""

TINY = ["--lr", "0.1", "--steps", "2", "--batch-size", "16", "--quiet"]


@pytest.fixture()
def user_factory(user_code):
    """``jsuser_size:factory``, importable from ``tmp_path``."""
    return user_code("jsuser_size", USER_MODULE) + ":factory"


@pytest.fixture()
def no_training(monkeypatch):
    """Fail the test if the sweep is reached."""

    def refuse(*a, **k):
        raise AssertionError("trained before refusing")

    import jaxscape.cli.sweep as cli_sweep

    monkeypatch.setattr(cli_sweep, "sweep", refuse)


def _model(argv: list[str]):
    """The model spec the command line ``argv`` builds (``--config`` applied)."""
    args = build_parser().parse_args(argv)
    prepare_run(build_parser, args, argv)
    return build_model(args)


def _refused(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--hidden", "64"], "--hidden sizes the built-in models only"),
        (["--width", "0.5"], "--width sizes the built-in models only"),
        (["--width", "1"], "--width sizes"),  # the built-ins' default value, given: refused too
        (["--hidden", "64", "--width", "2"], "--hidden and --width size the built-in"),
    ],
)
def test_size_flags_with_a_user_factory_are_refused(
    user_factory, tmp_path, capsys, no_training, flags, named
):
    err = _refused(
        ["sweep", "--model", user_factory, *flags, *TINY, "--out", str(tmp_path)], capsys
    )
    assert err.startswith("jaxscape sweep: error: ") and named in err, err
    assert f"--model {user_factory} is your own factory" in err


def test_size_flags_from_a_config_file_with_a_user_factory_are_refused(
    user_factory, tmp_path, capsys, no_training
):
    config = tmp_path / "run.toml"
    config.write_text(f'model = "{user_factory}"\nhidden = [16, 8]\n')
    err = _refused(["sweep", "--config", str(config), *TINY, "--out", str(tmp_path / "o")], capsys)
    assert "--hidden sizes the built-in models only" in err and "--width" not in err


def test_a_user_factory_without_size_flags_repeats_from_its_resolved_file(user_factory, tmp_path):
    out = tmp_path / "a"
    assert main(["sweep", "--model", user_factory, *TINY, "--out", str(out)]) == 0
    text = (out / "resolved.toml").read_text()
    assert "# hidden is unset" in text and "# width is unset" in text
    again = ["sweep", "--config", str(out / "resolved.toml"), "--out", str(tmp_path / "b")]
    assert main(again) == 0


def test_recipe_default_width_is_not_a_given_flag(user_factory):
    """``recipe`` defaults ``--width`` to 0.25 (its small CNN); with a user factory that
    default is not the user's and is not refused."""
    factory = _model(["recipe", "--model", user_factory])
    assert callable(factory)
    with pytest.raises(ValueError, match="--width sizes the built-in models only"):
        _model(["recipe", "--model", user_factory, "--width", "0.25"])


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--model", "cnn", "--hidden", "64"], "--hidden does not apply to --model cnn (only to"),
        (
            ["--model", "logreg", "--width", "2"],
            "--width does not apply to --model logreg (only to",
        ),
        (["--model", "linreg", "--hidden", "8", "--width", "2"], "--hidden and --width do not"),
    ],
)
def test_size_flags_a_built_in_model_does_not_take_are_refused(
    tmp_path, capsys, no_training, argv, said
):
    err = _refused(["sweep", *argv, *TINY, "--out", str(tmp_path)], capsys)
    assert said in err, err


def test_cnn_hidden_from_a_config_file_is_refused(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('model = "cnn"\nhidden = "64"\n')
    with pytest.raises(ValueError, match=r"--hidden does not apply to --model cnn \(only to mlp\)"):
        _model(["sweep", "--config", str(config)])


def test_built_in_models_keep_their_defaults_and_take_their_flags():
    assert _model(["sweep"]) == js.models.MLP(hidden=(128,), width=1.0)
    assert _model(["sweep", "--model", "cnn"]) == js.models.CNN(width=1.0)
    assert _model(["recipe"]) == js.models.CNN(width=0.25)  # the recipe's small CNN
    assert _model(["sweep", "--hidden", "16,8", "--width", "0.5"]) == js.models.MLP(
        hidden=(16, 8), width=0.5
    )
    assert _model(["sweep", "--model", "cnn", "--width", "0.25"]) == js.models.CNN(width=0.25)
    assert _model(["recipe", "--model", "mlp", "--hidden", "32"]) == js.models.MLP(
        hidden=(32,), width=0.25
    )
    assert _model(["sweep", "--model", "logreg"]) == js.models.LogisticRegression()
