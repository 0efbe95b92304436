"""A sweep on a streamed training split (jaxscape.data.stream) trains on exactly the rows, and
to exactly the numbers, of the same sweep on the data in memory; only each window's rows leave
the host, and the pages read are not kept."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import jaxscape as js
from jaxscape.data import batch_indices
from jaxscape.data.stream import HostRows, open_npy, stream, write_npy
from jaxscape.population.dispatch import ENV


def _host(split):
    return np.asarray(split.x), np.asarray(split.y)


@pytest.fixture(scope="module")
def streamed_digits(digits, tmp_path_factory):
    (x, y), (xv, yv), (xt, yt) = (_host(s) for s in (digits.train, digits.val, digits.test))
    folder = tmp_path_factory.mktemp("digits_npy")
    write_npy(folder, x_train=x, y_train=y, x_val=xv, y_val=yv, x_test=xt, y_test=yt)
    return open_npy(folder, num_classes=10, name="digits")


def _same(a, b):
    assert a.metrics.keys() == b.metrics.keys()
    for k in a.metrics:
        np.testing.assert_array_equal(a.metrics[k], b.metrics[k], err_msg=k)
    np.testing.assert_array_equal(a.diverged, b.diverged)
    np.testing.assert_array_equal(a.diverged_at, b.diverged_at)


@pytest.mark.parametrize(
    "table",
    [
        {"learning_rate": [0.01, 0.3, 200.0]},  # one batch order shared; one trial diverges
        {"learning_rate": [0.05, 0.05, 0.3], "seed": [0, 1, 2]},  # one order per seed
    ],
)
def test_streamed_sweep_equals_in_memory_bitwise(digits, streamed_digits, table):
    model = js.models.MLP(hidden=(16,))
    kw = dict(steps=24, batch_size=32, eval_every=8, progress=False, chunk_size=2)
    memory = js.sweep(js.Problem.from_model(model, digits), js.optim.sgd, table, **kw)
    streamed = js.sweep(js.Problem.from_model(model, streamed_digits), js.optim.sgd, table, **kw)
    _same(memory, streamed)
    assert memory.diverged.any() or "seed" in table


def test_one_step_per_call_path_equals_in_memory(digits, streamed_digits, monkeypatch):
    monkeypatch.setenv(ENV, "1")  # the path convolutions take on the CPU
    model = js.models.MLP(hidden=(8,))
    kw = dict(steps=12, batch_size=16, eval_every=6, progress=False)
    table = {"learning_rate": [0.1, 0.5], "momentum": 0.9}
    memory = js.sweep(js.Problem.from_model(model, digits), js.optim.sgd, table, **kw)
    streamed = js.sweep(js.Problem.from_model(model, streamed_digits), js.optim.sgd, table, **kw)
    _same(memory, streamed)


class _Recording:
    """An array-like that remembers every row it was asked for."""

    def __init__(self, a):
        self.a, self.shape, self.dtype, self.asked = a, a.shape, a.dtype, []

    def __getitem__(self, rows):
        rows = np.asarray(rows)
        assert rows.ndim == 1, "only row reads, never the whole split"
        self.asked.append(rows)
        return self.a[rows]


def test_only_the_rows_of_the_batch_order_are_read(digits):
    x, y = _host(digits.train)
    source = _Recording(x)
    ds = stream(source, y, val=_host(digits.val), num_classes=10)
    prob = js.Problem.from_model(js.models.LogisticRegression(), ds)
    js.sweep(prob, js.optim.sgd, {"learning_rate": [0.1, 0.2]}, steps=20, batch_size=50,
             eval_every=5, seed=3, progress=False)  # fmt: skip
    read = np.unique(np.concatenate(source.asked))
    want = np.unique(batch_indices(3, len(x), 50, 0, 20))
    np.testing.assert_array_equal(read, want)
    assert len(source.asked) == 4  # one read per recording window


def test_later_chunks_reuse_the_rows_of_a_shared_batch_order(digits):
    x, y = _host(digits.train)
    source = _Recording(x)
    ds = stream(source, y, val=_host(digits.val), num_classes=10)
    prob = js.Problem.from_model(js.models.LogisticRegression(), ds)
    table = {"learning_rate": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]}
    js.sweep(prob, js.optim.sgd, table, steps=20, batch_size=50, eval_every=5, chunk_size=2,
             progress=False)  # fmt: skip
    assert len(source.asked) == 4  # three chunks, each window read once


def _rss_file_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssFile:"):
                return int(line.split()[1])
    pytest.skip("no RssFile in /proc/self/status")


def test_pages_read_from_a_memory_map_are_released(tmp_path):
    rng = np.random.default_rng(0)
    n, d = 40_000, 400  # 64 MB of float32 inputs
    x = np.lib.format.open_memmap(tmp_path / "x_train.npy", "w+", np.float32, (n, d))
    for lo in range(0, n, 10_000):
        x[lo : lo + 10_000] = rng.normal(size=(10_000, d)).astype(np.float32)
    x.flush()
    del x
    np.save(tmp_path / "y_train.npy", rng.integers(0, 2, n))
    ds = open_npy(tmp_path, num_classes=2)
    before = _rss_file_kib()
    prob = js.Problem.from_model(js.models.LogisticRegression(), ds)
    res = js.sweep(
        prob,
        js.optim.sgd,
        {"learning_rate": [0.01, 0.1]},
        steps=80,
        batch_size=500,
        eval_every=20,
        progress=False,
    )  # fmt: skip  (one epoch: every page read)
    assert np.isfinite(res.metrics["train_loss"]).all()
    grown_mb = (_rss_file_kib() - before) / 1024
    assert grown_mb < 32, f"resident file pages grew by {grown_mb:.0f} MB of a 64 MB file"


def test_whole_split_options_are_refused_before_compiling(streamed_digits):
    prob = js.Problem.from_model(js.models.LogisticRegression(), streamed_digits)
    table = {"learning_rate": [0.1]}
    cases = [
        ({"batch_size": None}, "full batch"),
        ({"record_initial": True}, "record_initial"),
        ({"sharpness": js.Sharpness()}, "sharpness"),
    ]
    for kw, what in cases:
        with pytest.raises(ValueError, match=f"{what}.*streamed from the host"):
            js.sweep(prob, js.optim.sgd, table, steps=4, progress=False, **kw)
    with pytest.raises(ValueError, match=r"batch_size column.*streamed"):
        js.sweep(prob, js.optim.sgd, {"learning_rate": [0.1, 0.1], "batch_size": [8, 16]},
                 steps=4, progress=False)  # fmt: skip


def test_host_rows_is_what_a_streamed_split_holds(streamed_digits):
    assert isinstance(streamed_digits.train.x, HostRows)
    assert streamed_digits.input_shape == (8, 8, 1)


SHARDED = textwrap.dedent(
    """
    import sys, jax, numpy as np
    import jaxscape as js
    assert len(jax.devices()) == 4, jax.devices()
    digits = js.data.digits()
    host = lambda s: (np.asarray(s.x), np.asarray(s.y))
    (x, y), val = host(digits.train), host(digits.val)
    big = js.data.open_npy(js.data.write_npy(sys.argv[1], x_train=x, y_train=y, x_val=val[0],
                                             y_val=val[1]), num_classes=10)
    table = {"learning_rate": np.geomspace(0.01, 1.0, 6), "seed": [0, 1, 2, 0, 1, 2]}
    kw = dict(steps=12, eval_every=4, batch_size=32, progress=False)
    model = js.models.MLP(hidden=(8,))
    a = js.sweep(js.Problem.from_model(model, big), js.optim.sgd, table, **kw)
    b = js.sweep(js.Problem.from_model(model, js.data.digits(val_fraction=0.15)), js.optim.sgd,
                 table, **kw)
    assert a.info["devices"] == 4
    assert set(a.metrics) == {k for k in b.metrics if not k.startswith("test_")}
    for k in a.metrics:
        np.testing.assert_array_equal(a.metrics[k], b.metrics[k], err_msg=k)
    print("STREAMED-SHARDED-OK")
    """
)


def test_streamed_sweep_over_four_devices_equals_in_memory(tmp_path):
    env = dict(os.environ)
    env["XLA_FLAGS"] = env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"
    env["JAX_PLATFORMS"] = "cpu"
    out = subprocess.run(
        [sys.executable, "-c", SHARDED, str(tmp_path / "npy")],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-4000:]
    assert "STREAMED-SHARDED-OK" in out.stdout
