"""``make_logger``: the ``--log`` texts, and the errors for anything else."""

from __future__ import annotations

import pytest

from jaxscape.loggers import TensorBoardLogger, WandbLogger, make_logger


def test_make_logger_builds_each_tracker(tmp_path, monkeypatch):
    tb = make_logger(f"tensorboard:{tmp_path / 'tb'}")
    assert isinstance(tb, TensorBoardLogger) and tb.logdir == tmp_path / "tb"
    monkeypatch.delenv("WANDB_MODE", raising=False)
    wb = make_logger("wandb:digits")
    assert isinstance(wb, WandbLogger) and (wb.project, wb.mode) == ("digits", "offline")
    assert make_logger("wandb").project == "jaxscape"
    for log in (tb, wb):
        log.close()
        log.close()  # idempotent


def test_make_logger_mlflow_targets(monkeypatch):
    """``mlflow`` is MLflow's default store, ``mlflow:X`` the store X (a URI, folder or file)."""
    import jaxscape.loggers.mlflow as module

    made = []
    monkeypatch.setattr(module, "MLflowLogger", lambda uri, config: made.append(uri) or uri)
    make_logger("mlflow")
    make_logger("mlflow:http://localhost:5000")
    assert made == [None, "http://localhost:5000"]
    assert module.resolve_uri("sqlite:///a.db") == "sqlite:///a.db"


@pytest.mark.parametrize("spec", ["tensorboard", "tensorboard:", "comet", "wandb:", "", "tb:x"])
def test_make_logger_refuses_other_texts(spec):
    with pytest.raises(ValueError, match="--log must be one of tensorboard:DIR"):
        make_logger(spec)


def test_a_closed_logger_refuses_events(tmp_path, result):
    from jaxscape.population.record import events_from_result

    with TensorBoardLogger(tmp_path) as tb:
        pass
    with pytest.raises(RuntimeError, match="closed"):
        tb(next(events_from_result(result)))


@pytest.mark.parametrize(
    ("spec", "module", "extra"),
    [("tensorboard:tb", "tensorboardX", "tensorboard"), ("mlflow", "mlflow", "mlflow"),
     ("wandb", "wandb", "wandb")],
)  # fmt: skip
def test_a_missing_tracker_names_its_extra(tmp_path, monkeypatch, spec, module, extra):
    import sys

    from jaxscape.loggers.spec import make_loggers

    for name in [m for m in sys.modules if m == module or m.startswith(f"{module}.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # import fails
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        ImportError, match=rf"needs the package '{module}': pip install 'jaxscape\[{extra}\]'"
    ):
        make_logger(spec)
    with pytest.raises(ValueError, match=rf"--log {spec}: .*jaxscape\[{extra}\]"):
        make_loggers([spec])
