"""The HTML report is self-contained and says what the results say; files are written
atomically in open formats."""

from __future__ import annotations

import base64
import json
import re

import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape._html import table
from jaxscape.tune import Decision, RedFlag, Report
from jaxscape.tune.range_tests._run_parallel import analyse_parallel
from jaxscape.tune.seven_steps.page import recipe_html

PNG = b"\x89PNG\r\n\x1a\n"


def _synthetic_report() -> Report:
    values = np.geomspace(1e-3, 1.0, 5)
    final = np.array([2.2, 1.0, 0.3, 0.4, np.nan])
    curves = {
        "train_loss": np.stack([np.full(5, 2.3), final], 1),
        "val_accuracy": np.stack([np.full(5, 0.1), [0.2, 0.7, 0.95, 0.94, np.nan]], 1),
    }
    lr_test = analyse_parallel(
        "learning_rate",
        values,
        np.array([5, 10]),
        curves,
        ~np.isfinite(final),
        {"train_loss": 2.3},
        metric="val_accuracy",
        tolerance=None,
        scale="log",
    )
    flag = RedFlag(
        "loss_rises", "2. learning-rate range test", "saw <script>x</script>", "the sign"
    )
    hp = {
        "learning_rate": lr_test.suggestion,
        "momentum": 0.0,
        "use_decay": False,
        "use_cyclical": True,
        "plateau_epoch": 3,
        "decay": None,
        "cycle": {"epochs": 3, "high": 2.0, "low": 0.5},
        "best_optimizer": {"name": "sgd", "learning_rate": lr_test.suggestion},
        "final": {"split": "test", "mean_over_seeds": {"test_accuracy": 0.93}},
        "final_val": {
            "split": "val",
            "mean_over_seeds": {"val_accuracy": 0.95},
            "trained_weights": {"seed": 0, "train_accuracy": 0.99, "val_accuracy": 0.96},
        },
    }
    decisions = [Decision("2. learning rate", "learning_rate = 0.178", "centre of the band")]
    return Report(hp, decisions, [flag], {"lr_range": lr_test}, {"problem": "toy", "seeds": [0]})


def test_html_is_self_contained_and_embeds_the_written_pngs(tmp_path):
    report = _synthetic_report()
    paths = report.save(tmp_path / "out")
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "report.html",
        "summary.json",
        "overview.png",
        "2_lr_range.png",
    }  # and no temporary file left behind
    html = paths["html"].read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html and "&lt;script&gt;" in html  # user text is escaped
    srcs = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([^"]+)"', html)
    assert sorted(a for a, _ in srcs) == ["2_lr_range", "overview"]
    for alt, data in srcs:
        assert base64.b64decode(data) == paths[alt].read_bytes()
        assert paths[alt].read_bytes().startswith(PNG)
    # red flags come first, then the chosen hyperparameters
    assert html.index("Red flags (1)") < html.index("Chosen hyperparameters")
    assert "loss_rises" in html and "Check:" in html


def test_summary_json_schema(tmp_path):
    report = _synthetic_report()
    report.save(tmp_path)
    s = json.loads((tmp_path / "summary.json").read_text())
    assert s["learning_rate"] == pytest.approx(report.results["lr_range"].suggestion)
    assert s["use_cyclical"] is True and s["use_decay"] is False and s["momentum"] == 0.0
    assert s["best_optimizer"] == {"name": "sgd", "learning_rate": s["learning_rate"]}
    assert s["red_flags"] == [
        {
            "code": "loss_rises",
            "step": "2. learning-rate range test",
            "message": "saw <script>x</script>",
            "check": "the sign",
        }
    ]
    assert s["decisions"][0]["choice"] == "learning_rate = 0.178"
    # final: the test number of the chosen configuration; final_val: what it was chosen on
    assert s["final"]["split"] == "test" and s["final"]["mean_over_seeds"]["test_accuracy"] == 0.93
    assert s["final_val"]["split"] == "val"
    assert s["final_val"]["mean_over_seeds"]["val_accuracy"] == 0.95


def test_every_final_number_names_its_split():
    report = _synthetic_report()
    html = recipe_html(report, pngs={})
    for row in (
        '<td>test accuracy</td><td class="num">0.93</td><td>test: mean over the seeds',
        '<td>val accuracy</td><td class="num">0.95</td><td>validation: mean over the seeds',
        '<td>train accuracy</td><td class="num">0.99</td><td>training: seed 0',
        '<td>val accuracy</td><td class="num">0.96</td><td>validation: seed 0',
    ):
        assert row in html, row
    text = str(report)
    assert (
        "final (test)   test_accuracy 0.93" in text and "chosen on      val_accuracy 0.95" in text
    )


def test_table_escapes_and_aligns_numbers():
    html = table([["<b>", 0.123456, True, None]], ["a", "b", "c", "d"], highlight=[0])
    assert "&lt;b&gt;" in html and '<td class="num">0.1235</td>' in html
    assert "<td>yes</td>" in html and "<td>—</td>" in html and "class='hl'" in html


def test_report_of_a_real_recipe_has_every_step():
    prob = js.Problem.from_loss(lambda w: 0.5 * jnp.sum(w**2), jnp.ones((3, 2)))
    budget = js.tune.Budget.quick(
        epochs=10,
        train_epochs=10,
        num_rates=5,
        num_momenta=3,
        ramp_steps=8,
        line_points=5,
        final_points=5,
    )
    report = js.tune.recipe(prob, budget=budget, progress=False, log=None)
    html = recipe_html(report)
    for title in (
        "1. Initial line search",
        "2. Learning-rate range test",
        "3. Momentum range test",
        "4.–5. Learning-rate decay",
        "6. Other optimizers",
        "7. Final line search",
        "Run",
    ):
        assert title in html
    assert html.count("<img ") == len(report.figures())
    assert "Red flags: none" in html
    assert str(report).startswith("learning_rate")


def test_report_is_a_frozen_result_and_loads_back_what_save_wrote(tmp_path):
    report = _synthetic_report()
    with pytest.raises(AttributeError):
        report.hyperparameters = {}
    text = report.summary()
    assert isinstance(text, str) and text == str(report)
    assert text.splitlines()[0] == f"learning_rate  {report.results['lr_range'].suggestion:.4g}"
    assert "[loss_rises] saw <script>x</script>" in text
    report.save(tmp_path)
    back = js.tune.Report.load(tmp_path)
    assert back.decisions == report.decisions and back.red_flags == report.red_flags
    assert back.hyperparameters == report.hyperparameters and back.info == report.info
    assert back.results == {}  # the range test is not restored: summary.json has its numbers
    assert back.to_dict() == {**report.to_dict(), "results": {}}
    assert back.summary() == text
    with pytest.raises(ValueError, match="folder"):
        js.tune.Report.load(tmp_path / "2_lr_range.png")  # not a report folder


def test_report_plot_is_the_overview_and_writes_it(tmp_path):
    from matplotlib.figure import Figure

    fig = _synthetic_report().plot(tmp_path / "o.png")
    assert isinstance(fig, Figure) and len(fig.axes) >= 6
    assert (tmp_path / "o.png").read_bytes().startswith(PNG)
