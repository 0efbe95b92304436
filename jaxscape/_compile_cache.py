"""JAX's persistent compilation cache, as the ``jaxscape`` command uses it.

Every program JAX compiles is written to a folder of XLA executables keyed by the program, the
compiler options, the JAX version and the device; a later process that compiles the same
program reads it back instead (a second ``jaxscape recipe`` skips compilation). The folder is,
in order of precedence: ``--cache-dir PATH``, the environment variable ``JAXSCAPE_CACHE_DIR``,
``$XDG_CACHE_HOME/jaxscape/xla``, ``~/.cache/jaxscape/xla``. ``--no-cache`` turns it off.

Programs of every size are kept (``jax_persistent_cache_min_compile_time_secs = 0``): on a CPU
most of jaxscape's programs compile in well under JAX's default threshold of one second, and it
is their sum that a warm start saves.

Only use a folder that nobody else can write to: JAX runs what it reads there.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

import jax
from jax.experimental.compilation_cache import compilation_cache

#: Environment variable naming the cache folder.
ENV_VAR = "JAXSCAPE_CACHE_DIR"

#: The JAX options the cache sets, with the values it sets them to (the folder aside).
CACHE_OPTIONS = {
    "jax_enable_compilation_cache": True,
    "jax_persistent_cache_min_compile_time_secs": 0.0,
    "jax_persistent_cache_min_entry_size_bytes": -1,
}


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The cache folder when none is given: ``$JAXSCAPE_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/jaxscape/xla``, else ``~/.cache/jaxscape/xla``.

    Example:
      >>> str(default_cache_dir({"XDG_CACHE_HOME": "/tmp/c"}))
      '/tmp/c/jaxscape/xla'
      >>> str(default_cache_dir({"JAXSCAPE_CACHE_DIR": "/data/xla", "XDG_CACHE_HOME": "/tmp/c"}))
      '/data/xla'
    """
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR]).expanduser()
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jaxscape" / "xla"


@contextlib.contextmanager
def compile_cache(path: str | os.PathLike | None) -> Iterator[Path | None]:
    """Use the persistent compilation cache in folder ``path`` inside the ``with`` block
    (``None``: no cache at all, whatever JAX was configured with); JAX's previous settings are
    restored on exit.

    Yields the folder (created if missing), or ``None`` when the cache is off.

    Example:
      >>> import tempfile, jax.numpy as jnp
      >>> with tempfile.TemporaryDirectory() as tmp, compile_cache(tmp) as folder:
      ...     _ = jax.jit(lambda x: x * 3.0)(jnp.ones(2))
      ...     len(list(folder.iterdir())) > 0
      True
    """
    folder = None if path is None else _make_folder(Path(path).expanduser())
    settings: dict[str, object]
    if folder is None:  # off, even where JAX_COMPILATION_CACHE_DIR names a folder
        settings = {"jax_enable_compilation_cache": False}
    else:
        settings = {"jax_compilation_cache_dir": os.fspath(folder), **CACHE_OPTIONS}
    before = {name: getattr(jax.config, name) for name in settings}
    _apply(settings)
    try:
        yield folder
    finally:
        _apply(before)


def _make_folder(folder: Path) -> Path | None:
    """``folder``, created if missing; ``None`` with a warning when it cannot be created (a
    read-only home must not stop a command: it then compiles everything)."""
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"--cache-dir: {os.fspath(folder)!r} is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        warnings.warn(
            f"cannot create the compilation cache folder {os.fspath(folder)!r} ({err}); "
            "compiling without a cache (choose another folder with --cache-dir)",
            RuntimeWarning,
            stacklevel=4,
        )
        return None
    return folder


def _apply(settings: Mapping[str, object]) -> None:
    """Set JAX options and make JAX read them at its next compilation (it reads the cache
    settings once, at the first compilation, unless reset)."""
    for name, value in settings.items():
        jax.config.update(name, value)
    compilation_cache.reset_cache()


def enable_compile_cache(path: str | os.PathLike | None = None) -> Path | None:
    """Turn on JAX's persistent compilation cache for the rest of this process, as every
    ``jaxscape`` command does: each program is then compiled once per machine, and a later
    process (a second notebook session, the next script) reads it back.

    Args:
      path: the cache folder (created if missing); default :func:`default_cache_dir`
        (``$JAXSCAPE_CACHE_DIR``, else ``$XDG_CACHE_HOME/jaxscape/xla``, else
        ``~/.cache/jaxscape/xla``). Only use a folder nobody else can write to.

    Returns:
      The folder, or ``None`` (with a warning) when it could not be created.

    Within one process jaxscape keeps its compiled programs anyway
    (:mod:`jaxscape.population.programs`); this cache is what carries them across processes.

    Example:
      >>> import tempfile, jax, jax.numpy as jnp, jaxscape as js
      >>> folder = js.enable_compile_cache(tempfile.mkdtemp())
      >>> _ = jax.jit(lambda x: x * 5.0 - 1.0)(jnp.ones(2))
      >>> any(folder.iterdir())
      True
      >>> jax.config.update("jax_enable_compilation_cache", False)  # off again
    """
    folder = _make_folder(default_cache_dir() if path is None else Path(path).expanduser())
    if folder is not None:
        _apply({"jax_compilation_cache_dir": os.fspath(folder), **CACHE_OPTIONS})
    return folder
