"""``jaxscape sweep --log``: the trials' curves in TensorBoard equal the saved result's."""

from __future__ import annotations

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import jaxscape as js
from jaxscape.cli import main


def test_cli_sweep_logs_to_tensorboard(tmp_path, assert_curve):
    out, tb = tmp_path / "run", tmp_path / "tb"
    args = ["sweep", "--model", "logreg", "--lr", "0.1,1", "--steps", "20"]
    args += ["--eval-every", "10", "--batch-size", "32", "--out", str(out), "--quiet"]
    assert main([*args, "--log", f"tensorboard:{tb}"]) == 0
    res = js.SweepResult.load(out)
    assert sorted(p.name for p in tb.iterdir()) == ["trial_0000", "trial_0001"]
    for trial in range(res.n_trials):
        acc = EventAccumulator(str(tb / f"trial_{trial:04d}"), size_guidance={"scalars": 0})
        acc.Reload()
        assert set(acc.Tags()["scalars"]) == {f"metric/{k}" for k in res.metrics}
        for name in res.metrics:
            events = acc.Scalars(f"metric/{name}")
            assert_curve([e.step for e in events], [e.value for e in events], res, name, trial)


def test_cli_sweep_refuses_an_unknown_tracker(tmp_path, capsys):
    rc = main(["sweep", "--lr", "0.1", "--steps", "2", "--out", str(tmp_path), "--quiet",
               "--log", "comet"])  # fmt: skip
    assert rc == 2
    assert "--log must be one of tensorboard:DIR" in capsys.readouterr().err
