"""``jaxscape sweep`` end to end on a tiny problem."""

from __future__ import annotations

import subprocess
import sys

import jax
import numpy as np
import pytest

import jaxscape as js
from jaxscape._io import load_npz, unflatten_tree
from jaxscape.cli import main
from jaxscape.cli.landscape import load_weights


def test_cli_sweep_writes_results_and_plots(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(
        [
            "sweep",
            "--model",
            "mlp",
            "--hidden",
            "8",
            "--lr",
            "0.01:1:4",
            "--hp",
            "momentum=0,0.9",
            "--steps",
            "20",
            "--eval-every",
            "10",
            "--batch-size",
            "32",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert rc == 0
    names = {p.name for p in out.iterdir()}
    assert {"sweep.json", "metrics.npz", "trials.csv", "final.png", "curves.png"} <= names
    res = js.SweepResult.load(out)
    assert res.n_trials == 8  # 4 rates x 2 momenta
    np.testing.assert_allclose(
        np.unique(res.hyperparams["learning_rate"]), 10 ** np.linspace(-2, 0, 4), rtol=1e-6
    )
    assert f"ranked by final {res.default_metric}" in capsys.readouterr().out


def test_cli_sweep_reports_bad_values(tmp_path, capsys):
    rc = main(["sweep", "--lr", "0.1:oops", "--out", str(tmp_path), "--quiet"])
    assert rc == 2
    assert "--learning_rate" in capsys.readouterr().err
    rc = main(
        [
            "sweep",
            "--lr",
            "0.1",
            "--hp",
            "momentum=1.5",
            "--steps",
            "5",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    assert rc == 2
    assert "momentum" in capsys.readouterr().err


def _quick(tmp_path, *extra):
    return ["sweep", "--lr", "0.1", "--steps", "2", "--out", str(tmp_path / "o"), "--quiet", *extra]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--data", "/no/such/file.npz"], "/no/such/file.npz"),  # a missing file
        (["--hidden", "8,x"], "--hidden"),  # a bad value
        (["--hp", "beta=0.3"], "unknown hyperparameter"),  # refused by the table check
        (["--seed", str(2**32)], "seed"),  # refused by sweep's argument check
    ],
    ids=["missing-file", "bad-hidden", "unknown-hp", "seed-range"],
)
def test_a_user_error_is_one_line_and_status_2(tmp_path, capsys, extra, words):
    assert main(_quick(tmp_path, *extra)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("jaxscape sweep: error: ")
    assert words in err and "Traceback" not in err


def test_debug_shows_the_user_errors_traceback(tmp_path):
    with pytest.raises(FileNotFoundError, match="/no/such"):
        main(_quick(tmp_path, "--data", "/no/such/file.npz", "--debug"))
    with pytest.raises(FileNotFoundError, match="/no/such"):
        main(["--debug", *_quick(tmp_path, "--data", "/no/such/file.npz")])


def test_an_internal_error_keeps_its_traceback(tmp_path, monkeypatch):
    """A ValueError raised inside NumPy (here a bug planted in the sweep) is not a user error."""
    import jaxscape.cli.sweep as cli_sweep

    def broken(*args, **kwargs):
        return np.stack([np.zeros(2), np.zeros(3)])  # ValueError from inside NumPy

    monkeypatch.setattr(cli_sweep, "sweep", broken)
    with pytest.raises(ValueError, match="same shape"):
        main(_quick(tmp_path))
    monkeypatch.setattr(cli_sweep, "sweep", lambda *a, **k: {}["missing"])
    with pytest.raises(KeyError):
        main(_quick(tmp_path))


def test_the_command_exits_2_without_a_traceback(tmp_path):
    """The installed entry point, in a fresh process: status 2 and one line on stderr."""
    code = "import sys; from jaxscape.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = _quick(tmp_path, "--data", str(tmp_path / "absent.npz"))
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [f"jaxscape sweep: error: path '{tmp_path / 'absent.npz'}' does not exist"]


def test_landscape_refuses_a_seed_outside_the_prng_range(tmp_path, capsys):
    argv = ["landscape", "--seed", str(2**32), "--out", str(tmp_path), "--no-progress"]
    assert main(argv) == 2
    assert "--seed must be in [0, 2**32)" in capsys.readouterr().err


def test_save_params_writes_the_best_trials_weights(tmp_path, capsys):
    file = tmp_path / "best.npz"
    args = ["--hidden", "8", "--lr", "0.003,0.3", "--steps", "30", "--batch-size", "32"]
    assert (
        main(["sweep", *args, "--out", str(tmp_path / "o"), "--quiet", "--save-params", str(file)])
        == 0
    )
    assert "weights written to" in capsys.readouterr().out
    res = js.SweepResult.load(tmp_path / "o")
    best = res.best()
    metric = res.default_metric
    assert metric == "val_accuracy" and best["trial"] == 1  # the larger rate learns faster
    prob = js.Problem.from_model(js.models.MLP(hidden=(8,)), js.data.digits())
    params = unflatten_tree(load_npz(file))
    _, state = prob.init(jax.random.key(0))
    val = prob.data.val
    direct = prob.evaluate(params, state, (val.x, val.y))  # one call over the whole split
    np.testing.assert_allclose(float(direct["accuracy"]), best["val_accuracy"], rtol=1e-6)
    np.testing.assert_allclose(float(direct["loss"]), best["val_loss"], rtol=1e-5)
    # the file is what `jaxscape landscape --from/--to` reads
    load_weights(str(file), "--from", prob.init(jax.random.key(1))[0])


def test_cli_sweep_prunes_and_refuses_a_bad_rule(tmp_path, capsys):
    out = tmp_path / "pruned"
    argv = ["sweep", "--model", "mlp", "--hidden", "8", "--lr", "1e-3:1:8", "--steps", "40",
            "--eval-every", "10", "--batch-size", "32", "--out", str(out), "--quiet"]  # fmt: skip
    assert main([*argv, "--prune", "asha:10:2"]) == 0
    res = js.SweepResult.load(out)
    assert res.pruned_at is not None and (res.pruned_at >= 0).sum() >= 4  # half at step 10
    assert "pruned" in capsys.readouterr().out
    assert main([*argv, "--prune", "asha:x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--prune must be median or asha" in err[0]
