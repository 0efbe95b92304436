"""The edge-of-stability study at its ``--quick`` size: the physics of Cohen et al. (2021)
checked against the closed-form threshold ``2 / eta`` of gradient descent."""

from __future__ import annotations

import numpy as np
import pytest

from jaxscape.cli import main
from jaxscape.study import EdgeOfStability, edge_of_stability
from jaxscape.study.edge_of_stability import QUICK, RATES


@pytest.fixture(scope="module")
def quick():
    # The smallest and the largest default rate (2/eta = 50 and 15); trials are independent.
    return edge_of_stability((min(RATES), max(RATES)), **QUICK)


def test_sharpness_rises_to_two_over_eta_and_hovers_there(quick):
    r = quick
    assert not r.diverged.any()
    thr = r.threshold
    half = r.sharpness[:, r.sharpness.shape[1] // 2 :]
    # Stability: no rate sits far above its threshold for long (GD would diverge there).
    assert np.all(half.max(axis=1) <= 1.2 * thr), (half.max(axis=1), thr)
    big = int(np.argmax(r.learning_rate))
    # The largest rate starts well below its edge, rises to it, and hovers within 20%.
    assert r.sharpness[big, 0] < 0.8 * thr[big]
    assert 0.8 <= r.edge_ratio(0.5)[big] <= 1.2, r.edge_ratio(0.5)
    assert np.all(np.abs(half[big] / thr[big] - 1) < 0.2)
    # The smallest rate's threshold (50) is out of reach at this size: it stays below it.
    small = int(np.argmin(r.learning_rate))
    assert r.edge_ratio(0.5)[small] < 0.9
    # ... and the loss keeps falling overall at every rate.
    assert np.all(r.train_loss[:, -1] < 0.5 * r.train_loss[:, 0])


def test_result_round_trip_table_and_figure(quick, tmp_path):
    quick.save(tmp_path / "r")
    back = EdgeOfStability.load(tmp_path / "r")
    np.testing.assert_array_equal(back.sharpness, quick.sharpness)
    np.testing.assert_array_equal(back.learning_rate, quick.learning_rate)
    frame = quick.to_dataframe()
    assert list(frame["threshold"].round(6)) == list(np.round(2 / quick.learning_rate, 6))
    assert "2/eta" in quick.summary()
    fig = quick.plot(tmp_path / "eos.png")
    assert len(fig.axes) == 2 and (tmp_path / "eos.png").stat().st_size > 10_000


def test_cli_and_bad_arguments(tmp_path, capsys):
    args = ["--examples", "100", "--steps", "20", "--record-every", "10", "--rates", "0.1"]
    assert main(["study", "edge-of-stability", *args, "--out", str(tmp_path)]) == 0
    assert (tmp_path / "edge_of_stability.png").is_file()
    assert "wrote" in capsys.readouterr().out
    with pytest.raises(ValueError, match="rates"):
        edge_of_stability((0.1, -1.0))
    with pytest.raises(ValueError, match="n_examples"):
        edge_of_stability(n_examples=10**6)
