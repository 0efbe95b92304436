"""The ``jaxscape`` command's persistent compilation cache: written by a first run, read by a
second, never touched with ``--no-cache``.

Each run is a fresh Python process (a persistent cache only matters across processes) that
counts JAX's own monitoring events: ``compile_requests_use_cache`` (a compilation that consults
the cache) and ``cache_hits`` (an executable read from it instead of compiled).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jax
import pytest

from jaxscape._compile_cache import CACHE_OPTIONS, compile_cache

COUNT_AND_RUN = """
import json, sys
from jax import monitoring
from jaxscape.cli import main
counts = {"requests": 0, "hits": 0}
names = {"/jax/compilation_cache/compile_requests_use_cache": "requests",
         "/jax/compilation_cache/cache_hits": "hits"}
def listen(event, **kwargs):
    if event in names:
        counts[names[event]] += 1
monitoring.register_event_listener(listen)
rc = main(sys.argv[1:])
print("COUNTS " + json.dumps({**counts, "rc": rc}))
"""


def _run(tmp_path, *extra, env=None):
    """Run a 2-step sweep of logistic regression on digits in a new process; its counts."""
    args = ["sweep", "--lr", "0.1,0.2", "--steps", "2", "--batch-size", "32", "--quiet"]
    args += ["--model", "logreg", "--out", str(tmp_path / "out"), *extra]
    full_env = {k: v for k, v in os.environ.items() if k != "JAXSCAPE_CACHE_DIR"}
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-c", COUNT_AND_RUN, *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("COUNTS "))
    counts = json.loads(line[len("COUNTS ") :])
    assert counts["rc"] == 0
    return counts


def _entries(folder) -> list:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_second_run_reads_what_the_first_wrote(tmp_path):
    cache = tmp_path / "cache"
    first = _run(tmp_path, "--cache-dir", str(cache))
    written = _entries(cache)
    assert first["requests"] > 0 and first["hits"] == 0  # an empty cache: all compiled
    assert len(written) > 0
    second = _run(tmp_path, "--cache-dir", str(cache))
    # every program the second run compiles is the first run's: each one is read back
    assert second["requests"] == first["requests"]
    assert second["hits"] == second["requests"]
    assert _entries(cache) == written


def test_environment_variable_chooses_the_folder_and_no_cache_writes_nothing(tmp_path):
    env_cache = tmp_path / "env_cache"
    off = _run(tmp_path, "--no-cache", env={"JAXSCAPE_CACHE_DIR": str(env_cache)})
    assert off["requests"] == 0 and off["hits"] == 0
    assert _entries(env_cache) == []
    on = _run(tmp_path, env={"JAXSCAPE_CACHE_DIR": str(env_cache)})
    assert on["requests"] > 0 and len(_entries(env_cache)) > 0


def test_settings_are_restored_after_the_block(tmp_path):
    names = ["jax_compilation_cache_dir", *CACHE_OPTIONS]
    before = {name: getattr(jax.config, name) for name in names}
    with compile_cache(tmp_path / "c") as folder:
        assert jax.config.jax_compilation_cache_dir == str(tmp_path / "c")
        assert folder.is_dir()
    assert {name: getattr(jax.config, name) for name in names} == before
    with compile_cache(None) as folder:
        assert folder is None and jax.config.jax_enable_compilation_cache is False
    assert {name: getattr(jax.config, name) for name in names} == before


def test_cache_dir_that_is_a_file_is_refused(tmp_path):
    file = tmp_path / "f"
    file.write_text("x")
    with pytest.raises(NotADirectoryError, match="is not a folder"), compile_cache(file):
        pass


def test_a_folder_that_cannot_be_created_runs_without_a_cache(tmp_path):
    file = tmp_path / "f"
    file.write_text("x")
    with pytest.warns(RuntimeWarning, match="without a cache"), compile_cache(file / "sub") as f:
        assert f is None and jax.config.jax_enable_compilation_cache is False
