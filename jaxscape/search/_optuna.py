"""The search's record as an Optuna study: suggestions, storage, claiming batches, reading back.

* :func:`suggest` maps a :class:`~jaxscape.search.Space` onto Optuna's define-by-run
  suggestions. A parameter inside a branch is named ``"branch/name"`` (``"sgd/learning_rate"``)
  so that branches never share a distribution; a ``reverse_log_uniform`` parameter ``x`` is
  suggested as ``"1-x"``, log-uniform, which is its law. The configuration itself (plain
  names) is kept in the trial's user attribute ``"config"``.
* :class:`Given` is a sampler that answers with values chosen elsewhere (random search and
  coarse to fine draw with the space's own laws), so their trials carry Optuna parameters too.
* :func:`claim` asks a batch of trials without overshooting the budget, even with several
  processes on one storage: a trial's number is assigned atomically by the storage, and a
  trial beyond the budget among the live ones is told failed before it is evaluated.
* A process killed while its trials train stops their heartbeats; after the grace period the
  next :func:`claim` of any process fails them and :func:`retry_callback` puts each back as a
  WAITING copy with the same configuration, which that claim takes first
  (:func:`retried_config`): the configuration is trained once more, none is lost.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from jaxscape.search import params as P
from jaxscape.search.space import Choice, Space

HEARTBEAT_S = 30
GRACE_S = 600
SQLITE_TIMEOUT_S = 120


def _retry(make, attempts: int = 5):
    """``make()``, retried when two processes create one database's tables or study at once."""
    for k in range(attempts):
        try:
            return make()
        except Exception as err:  # sqlalchemy's OperationalError / IntegrityError
            if k == attempts - 1 or type(err).__module__.split(".")[0] != "sqlalchemy":
                raise
            time.sleep(0.2 * (k + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def require_optuna():
    """Import optuna, or explain how to install it."""
    try:
        import optuna
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "jaxscape.search records its trials in an Optuna study: pip install 'jaxscape[search]'"
        ) from err
    return optuna


def _walk(spec: Mapping[str, Any], config: Mapping[str, Any], prefix: str):
    """``(optuna name, kind, plain name)`` of every active, non-fixed parameter."""
    for name, kind in spec.items():
        if isinstance(kind, P.Fixed):
            continue
        yield prefix + name, kind, name
        if isinstance(kind, Choice):
            branch = config[name]
            yield from _walk(kind.branches[branch], config, f"{prefix}{branch}/")


def _suggest_one(trial: Any, key: str, kind: Any) -> Any:
    if isinstance(kind, Choice):
        return trial.suggest_categorical(key, list(kind.branches))
    if isinstance(kind, P.ReverseLogUniform):
        return 1.0 - trial.suggest_float(_reverse(key), 1 - kind.hi, 1 - kind.lo, log=True)
    if isinstance(kind, P.Uniform):
        return trial.suggest_float(key, kind.lo, kind.hi, log=isinstance(kind, P.LogUniform))
    if isinstance(kind, P.IntUniform):
        return trial.suggest_int(key, kind.lo, kind.hi)
    return trial.suggest_categorical(key, list(kind.values))


def _reverse(key: str) -> str:
    head, _, name = key.rpartition("/")
    return f"{head}/1-{name}" if head else f"1-{name}"


def suggest(trial: Any, space: Space) -> dict[str, Any]:
    """One configuration of ``space`` from ``trial``'s define-by-run suggestions."""
    config: dict[str, Any] = {}
    _suggest_spec(trial, space.spec, "", config)
    trial.set_user_attr("config", config)
    return config


def _suggest_spec(trial, spec, prefix, config) -> None:
    for name, kind in spec.items():
        if isinstance(kind, P.Fixed):
            config[name] = kind.value
            continue
        config[name] = _plain(_suggest_one(trial, prefix + name, kind))
        if isinstance(kind, Choice):
            _suggest_spec(trial, kind.branches[config[name]], f"{prefix}{config[name]}/", config)


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def as_params(space: Space, config: Mapping[str, Any]) -> dict[str, Any]:
    """``{optuna name: value}`` that :func:`suggest` would record for ``config``."""
    out = {}
    for key, kind, name in _walk(space.spec, config, ""):
        if isinstance(kind, P.ReverseLogUniform):
            out[_reverse(key)] = 1.0 - config[name]
        else:
            out[key] = config[name]
    return out


def given_sampler():
    """A sampler that returns ``sampler.values[trial number][param name]``."""
    optuna = require_optuna()

    class Given(optuna.samplers.BaseSampler):
        """Answers each suggestion with a value chosen before the trial was asked."""

        def __init__(self) -> None:
            self.values: dict[int, dict[str, Any]] = {}

        def infer_relative_search_space(self, study, trial):
            return {}

        def sample_relative(self, study, trial, search_space):
            return {}

        def sample_independent(self, study, trial, param_name, param_distribution):
            value = self.values[trial.number][param_name]
            low = getattr(param_distribution, "low", None)
            if low is not None:  # 1 - (1 - x) may round just outside the range
                value = type(low)(min(max(value, low), param_distribution.high))
            return value

    return Given()


def retry_callback() -> Any:
    """Optuna's callback that puts a stale trial (its process was killed: no heartbeat within
    the grace period) back as a WAITING copy with the same parameters and ``"config"``, so the
    next :func:`claim` of any process runs that configuration again (up to 3 times)."""
    optuna = require_optuna()
    with quiet_warnings():
        inner = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=3)

    def retry(study: Any, trial: Any) -> None:
        # a trial that trains a configuration; Hyperband reruns a killed bracket as a whole
        # (its claim and rung records are never retried one by one)
        attrs = trial.user_attrs
        if "config" in attrs and "hyperband_record" not in attrs:
            inner(study, trial)

    return retry


def retried_config(trial: Any) -> dict[str, Any] | None:
    """The configuration of a trial that re-runs a killed process's trial, else ``None``."""
    config = trial.user_attrs.get("config")  # a fresh trial has none before it is proposed
    return None if config is None else dict(config)


def open_storage(storage: Any):
    """An Optuna storage: ``None`` in memory, a URL (``sqlite:///search.db``, PostgreSQL,
    MySQL) with heartbeats so a killed process's trials are failed and re-run, or a storage."""
    optuna = require_optuna()
    if storage is None:
        return optuna.storages.InMemoryStorage()
    if isinstance(storage, str | os.PathLike):
        url = os.fspath(storage)
        if "://" not in url:
            raise ValueError(f"storage must be a database URL such as sqlite:///x.db, got {url!r}")
        # SQLite: several processes on one file wait for its lock instead of failing after 5 s
        sqlite = url.startswith("sqlite")
        engine = {"connect_args": {"timeout": SQLITE_TIMEOUT_S}} if sqlite else None
        try:
            return _retry(
                lambda: optuna.storages.RDBStorage(
                    url,
                    engine_kwargs=engine,
                    heartbeat_interval=HEARTBEAT_S,
                    grace_period=GRACE_S,
                    heartbeat_stale_trial_callback=retry_callback(),
                )
            )
        except (ImportError, Exception) as err:
            if type(err).__module__.split(".")[0] not in ("sqlalchemy", "optuna") and not (
                isinstance(err, ImportError)
            ):
                raise
            first = str(err).strip().splitlines()[0] if str(err).strip() else ""
            raise ValueError(
                f"storage {url!r} cannot be opened ({type(err).__name__}: {first}); give a "
                "database URL such as sqlite:///out/search.db whose folder exists"
            ) from None
    return storage


def open_study(storage: Any, name: str, direction: str, sampler: Any, settings: dict) -> Any:
    """Create or load the study ``name``; a loaded one must have the same ``settings``."""
    optuna = require_optuna()
    store = open_storage(storage)
    study = _retry(
        lambda: optuna.create_study(
            storage=store,
            study_name=name,
            direction=direction,
            sampler=sampler,
            load_if_exists=True,
        )
    )
    if study.direction.name.lower() != direction:
        raise ValueError(f"study {name!r} exists with direction {study.direction.name.lower()}")
    old = study.user_attrs.get("jaxscape")
    if old is None:
        study.set_user_attr("jaxscape", settings)
    elif old != settings:
        diff = sorted(k for k in set(old) | set(settings) if old.get(k) != settings.get(k))
        raise ValueError(
            f"study {name!r} in this storage was run with other settings ({diff}); use another "
            "study name or storage"
        )
    return study


def claim(study: Any, k: int, budget: int) -> list[Any]:
    """Ask up to ``k`` trials, keeping the complete and running ones within ``budget``."""
    optuna = require_optuna()
    if _heartbeats(study):  # a killed process's trials: failed, so they are run again
        optuna.storages.fail_stale_trials(study)
    live = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.RUNNING)
    k = min(k, budget - len(study.get_trials(deepcopy=False, states=live)))
    if k <= 0:
        return []
    asked = [study.ask() for _ in range(k)]
    numbers = sorted(t.number for t in study.get_trials(deepcopy=False, states=live))
    rank = {n: i for i, n in enumerate(numbers)}
    kept = []
    for t in asked:
        if rank[t.number] < budget:
            kept.append(t)
            heartbeat(study, [t])  # a trial without any heartbeat never becomes stale
        else:  # another process took this slot between our count and our ask
            t.set_user_attr("surplus", True)
            study.tell(t, state=optuna.trial.TrialState.FAIL)
    return kept


def report_curve(trial: Any, steps: Any, values: Any) -> None:
    """Report a trial's learning curve as Optuna intermediate values (``trial.report(value,
    step)`` at every record; non-finite values, a diverged trial's, are left out), so
    optuna-dashboard draws it."""
    for step, value in zip(steps, values, strict=True):
        if np.isfinite(value):
            trial.report(float(value), int(step))


def heartbeat(study: Any, trials: list[Any]) -> None:
    """Tell the storage that ``trials`` are alive (RDB storages with heartbeats)."""
    if not _heartbeats(study):
        return
    for t in trials:
        study._storage.record_heartbeat(t._trial_id)


def others_running(study: Any) -> bool:
    """Whether trials run elsewhere that may yet finish or be recovered: RUNNING trials on a
    storage with heartbeats (without them a killed process's trials would be waited for
    forever)."""
    optuna = require_optuna()
    if not _heartbeats(study):
        return False
    return bool(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)))


def _heartbeats(study: Any) -> bool:
    """Whether the study's storage keeps heartbeats (RDB storages opened by a URL here)."""
    return getattr(study._storage, "get_heartbeat_interval", lambda: None)() is not None


def fail(study: Any, trials: list[Any]) -> None:
    """Mark ``trials`` failed (an interrupted batch), so a resumed search runs them anew."""
    optuna = require_optuna()
    for t in trials:
        with contextlib.suppress(Exception):
            study.tell(t, state=optuna.trial.TrialState.FAIL)


@contextlib.contextmanager
def quiet_warnings():
    """Hide Optuna's experimental and independent-sampling warnings inside the block."""
    optuna = require_optuna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=optuna.exceptions.ExperimentalWarning)
        warnings.filterwarnings("ignore", message=".*independent.*", category=UserWarning)
        # we record heartbeats ourselves, from the engine's callback
        warnings.filterwarnings("ignore", message="Heartbeat of storage", category=UserWarning)
        yield


def given(space: Space, make_configs):
    """``(sampler, propose)`` recording configurations chosen by ``make_configs(study, trials,
    round) -> [k] configs`` as the trials' Optuna parameters (and exactly, as ``"config"``)."""
    sampler = given_sampler()

    def propose(study, trials, round_):
        configs = make_configs(study, trials, round_)
        configs = [retried_config(t) or c for t, c in zip(trials, configs, strict=True)]
        for t, config in zip(trials, configs, strict=True):
            sampler.values[t.number] = as_params(space, config)
            suggest(t, space)
            t.set_user_attr("config", dict(config))
        return configs

    return sampler, propose
