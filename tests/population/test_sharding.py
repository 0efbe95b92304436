"""Sharding the trial axis over several (simulated) devices gives the numbers of one device."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import jax, numpy as np
    import jaxscape as js
    assert len(jax.devices()) == 4, jax.devices()
    prob = js.Problem.from_model(js.models.MLP(hidden=(16,)), js.data.digits())
    table = {"learning_rate": np.geomspace(0.01, 1.0, 6), "momentum": 0.9}
    kw = dict(steps=20, eval_every=5, batch_size=32, progress=False, keep_params=True)
    sharded = js.sweep(prob, js.optim.sgd, table, **kw)
    single = js.sweep(prob, js.optim.sgd, table, devices=jax.devices()[:1], **kw)
    assert sharded.info["devices"] == 4 and single.info["devices"] == 1
    for k in single.metrics:
        np.testing.assert_allclose(sharded.metrics[k], single.metrics[k], rtol=1e-5, atol=1e-6)
    for a, b in zip(jax.tree.leaves(sharded.params), jax.tree.leaves(single.params)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # per-seed batching is sharded too
    reps = {"learning_rate": 0.1, "seed": [0, 1, 2]}
    a = js.sweep(prob, js.optim.sgd, reps, **kw)
    b = js.sweep(prob, js.optim.sgd, reps, devices=jax.devices()[:1], **kw)
    np.testing.assert_allclose(a.metrics["train_loss"], b.metrics["train_loss"], rtol=1e-5)
    # devices=[d] runs on d (not on the default device): the state lives there mid-run.
    d = jax.devices()[2]
    seen = set()
    def where(info):
        seen.update(dev for a in jax.live_arrays() if a.ndim and a.shape[0] == 6
                    for dev in a.devices())
    on_d = js.sweep(prob, js.optim.sgd, table, devices=[d], callback=where, **kw)
    assert seen == {d}, seen
    for k in single.metrics:
        np.testing.assert_array_equal(on_d.metrics[k], single.metrics[k])
    print("SHARDING-OK")
    """
)


def test_sharded_and_unsharded_sweeps_agree():
    env = dict(os.environ)
    env["XLA_FLAGS"] = env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"
    env["JAX_PLATFORMS"] = "cpu"
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-4000:]
    assert "SHARDING-OK" in out.stdout
