"""The batch-size study: its grids are the runs each cell stands for, read at the right step."""

from __future__ import annotations

import numpy as np
import pytest

import jaxscape as js
from jaxscape.cli import main
from jaxscape.study import BatchSizeResult, batch_size
from jaxscape.study.batch_size import budgets

SIZES, RATES = (8, 32), (0.05, 0.4)
MODEL = js.models.MLP(hidden=(8,))


@pytest.fixture(scope="module")
def res():
    return batch_size(batch_sizes=SIZES, learning_rates=RATES, epochs=0.5, model=MODEL)


def test_equal_epochs_means_equal_examples_seen():
    """A closed form: n_ref = 256 * (1221 // 256) = 1024 examples per epoch."""
    epoch_steps, steps = budgets(1221, [8, 16, 32, 64, 128, 256], 2.0, None)
    assert epoch_steps.tolist() == [256, 128, 64, 32, 16, 8]
    assert set((epoch_steps * [8, 16, 32, 64, 128, 256]).tolist()) == {2048}
    assert steps == 32  # the middle batch size's (64) equal-epoch step


def test_cells_are_the_separate_runs_at_their_budgets(res):
    """Each cell equals a separate sweep with that batch size, read at its own step."""
    n_ref = 32 * (1221 // 32)
    assert res.epoch_steps.tolist() == [round(0.5 * n_ref / b) for b in SIZES]
    data = js.data.digits()
    prob = js.Problem.from_model(MODEL, data)
    for j, b in enumerate(SIZES):
        budgets_b = {int(res.epoch_steps[j]): "epochs", int(res.equal_steps): "steps"}
        for steps in budgets_b:  # one population of both rates per batch size and budget
            alone = js.sweep(prob, js.optim.sgd, {"learning_rate": list(RATES)}, steps=steps,
                             batch_size=b, eval_every=steps, progress=False)  # fmt: skip
            for budget in ("epochs", "steps"):
                if steps == (res.epoch_steps[j] if budget == "epochs" else res.equal_steps):
                    np.testing.assert_allclose(
                        res.grid(budget)[:, j], alone.metrics["val_accuracy"][:, -1], atol=1e-6,
                        err_msg=f"batch {b}, equal {budget}",
                    )  # fmt: skip


def test_result_protocol_round_trip_and_figure(res, tmp_path):
    assert res.at_equal_epochs.shape == (2, 2) and res.metric == "val_accuracy"
    best = res.best_rates()
    assert set(best.tolist()) <= set(RATES)
    np.testing.assert_allclose(res.linear_rule(), best[0] * np.array(SIZES) / 8)
    text = res.summary()
    assert isinstance(text, str) and "linear rule" in text
    frame = res.to_dataframe()
    assert len(frame) == 4 and {"learning_rate", "batch_size"} <= set(frame.columns)
    back = BatchSizeResult.load(res.save(tmp_path / "r"))
    np.testing.assert_array_equal(back.at_equal_epochs, res.at_equal_epochs)
    np.testing.assert_array_equal(back.at_equal_steps, res.at_equal_steps)
    assert back.epoch_steps.tolist() == res.epoch_steps.tolist()
    fig = res.plot(tmp_path / "bs.png")
    assert len(fig.axes) == 4 and (tmp_path / "bs.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"batch_sizes": (8, 8)}, "batch_sizes has repeated values"),
        ({"batch_sizes": (8, 5000)}, "batch_sizes must be <= the 1221 training examples"),
        ({"batch_sizes": (8, 2.5)}, "batch_sizes must be an int"),
        ({"learning_rates": (0.1, -1.0)}, "learning_rates must be in"),
        ({"epochs": 0}, "epochs must be in"),
        ({"steps": 0}, "steps must be >= 1"),
    ],
)
def test_bad_arguments_fail_before_training(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        batch_size(**{"batch_sizes": SIZES, "learning_rates": RATES, **kw})


def test_cli_quick_writes_result_and_figure(tmp_path, capsys):
    out = tmp_path / "bs"
    assert main(["study", "batch-size", "--quick", "--out", str(out)]) == 0
    for name in ("batch_size/batch_size.json", "batch_size/curves.npz", "batch_size.png"):
        assert (out / name).is_file(), name
    assert "linear rule" in (out / "summary.txt").read_text()
    assert "wrote" in capsys.readouterr().out
