"""Two processes on localhost (``jax.distributed``, 2 simulated CPU devices each) run one sweep
across their 4 devices: every process returns the numbers of a single-process run, only
process 0 writes the checkpoint, and every process resumes from it (after it is written, even
when the writer is slow)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import numpy as np

WORKER = textwrap.dedent(
    """
    import sys
    import jax
    pid, port, folder = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=f"localhost:{port}", num_processes=2, process_id=pid
    )
    import numpy as np
    import jaxscape as js
    from jaxscape.population import checkpoint as ckpt

    assert len(jax.devices()) == 4 and len(jax.local_devices()) == 2
    if pid == 1:  # only process 0 may write the checkpoint
        def refuse(*args, **kwargs):
            raise AssertionError("process 1 wrote a checkpoint")
        ckpt.save_checkpoint = refuse
    else:  # a slow writer: process 1 must not read the file before it is written
        import time
        write = ckpt.save_checkpoint
        def slow(*args, **kwargs):
            time.sleep(0.5)
            return write(*args, **kwargs)
        ckpt.save_checkpoint = slow
    prob = js.Problem.from_model(js.models.MLP(hidden=(8,)), js.data.digits())
    table = {"learning_rate": [0.01, 0.05, 0.1, 0.3, 0.5, 1.0], "seed": [0, 1, 2, 0, 1, 2]}
    kw = dict(steps=12, eval_every=3, batch_size=32, chunk_size=4, progress=False,
              keep_params=True, trajectory=[1, 4])
    path = f"{folder}/ckpt.npz"
    res = js.sweep(prob, js.optim.sgd, table, checkpoint=path, checkpoint_every=0, **kw)
    again = js.sweep(prob, js.optim.sgd, table, checkpoint=path, **kw)  # resumes: all done
    out = {f"metric/{k}": v for k, v in res.metrics.items()}
    out.update({f"again/{k}": v for k, v in again.metrics.items()})
    out.update({f"params/{i}": a for i, a in enumerate(jax.tree.leaves(res.params))})
    out.update({f"traj/{i}": a for i, a in enumerate(jax.tree.leaves(res.trajectory["params"]))})
    out["diverged"] = res.diverged
    np.savez(f"{folder}/out{pid}.npz", **out)
    print("WORKER-OK", res.info["devices"])
    """
)

SINGLE = textwrap.dedent(
    """
    import sys
    import jax
    import numpy as np
    import jaxscape as js
    assert len(jax.devices()) == 4
    prob = js.Problem.from_model(js.models.MLP(hidden=(8,)), js.data.digits())
    table = {"learning_rate": [0.01, 0.05, 0.1, 0.3, 0.5, 1.0], "seed": [0, 1, 2, 0, 1, 2]}
    res = js.sweep(prob, js.optim.sgd, table, steps=12, eval_every=3, batch_size=32,
                   chunk_size=4, progress=False, keep_params=True, trajectory=[1, 4])
    out = {f"metric/{k}": v for k, v in res.metrics.items()}
    out.update({f"params/{i}": a for i, a in enumerate(jax.tree.leaves(res.params))})
    out.update({f"traj/{i}": a for i, a in enumerate(jax.tree.leaves(res.trajectory["params"]))})
    out["diverged"] = res.diverged
    np.savez(sys.argv[1], **out)
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _env(devices: int) -> dict:
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env["XLA_FLAGS"] = (
        env.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={devices}"
    )
    return env


def test_two_processes_return_the_single_process_numbers(tmp_path):
    port = str(_free_port())
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(pid), port, str(tmp_path)],
            env=_env(2),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for pid in (0, 1)
    ]
    single = subprocess.run(
        [sys.executable, "-c", SINGLE, str(tmp_path / "single.npz")],
        env=_env(4),
        capture_output=True,
        text=True,
        timeout=600,
    )
    outs = []
    for w in workers:
        try:
            outs.append(w.communicate(timeout=600))
        finally:
            w.kill()
    for w, (out, err) in zip(workers, outs, strict=True):
        assert w.returncode == 0 and "WORKER-OK 4" in out, err[-4000:]
    assert single.returncode == 0, single.stderr[-4000:]

    ref = np.load(tmp_path / "single.npz")
    for pid in (0, 1):
        got = np.load(tmp_path / f"out{pid}.npz")
        for key in ref.files:
            np.testing.assert_array_equal(got[key], ref[key], err_msg=f"process {pid}: {key}")
        for key in (k for k in ref.files if k.startswith("metric/")):
            again = got[key.replace("metric/", "again/")]
            np.testing.assert_array_equal(again, ref[key], err_msg=f"resumed, process {pid}")
    assert (tmp_path / "ckpt.npz").exists()
