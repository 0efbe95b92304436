"""Who runs a Hyperband bracket: a claim trial written atomically when the bracket starts.

Several processes on one storage each walk the brackets in order. To start bracket ``k`` a
process writes a *claim*: a RUNNING trial carrying ``{"hyperband_claim": k}``, created with its
attributes in one transaction (the storage numbers trials under a lock, so claims are ordered
by number in the order they were committed). The claim with the lowest number among the live
ones wins; a process whose claim lost marks it failed and moves on. The bracket's rung records
carry the winning claim's number (``"claim"``), and its claim is told PRUNED with
``"bracket_done"`` when the last rung is recorded.

A claim is *abandoned* when its process stopped: interrupted (the claim is told FAIL on the way
out) or killed (its heartbeats stop and the storage fails it after the grace period). An
abandoned bracket is claimed and run again from its first rung; only records of *finished*
claims are part of the result (:func:`finished_claims`), so an abandoned run's records never
stand beside the rerun's.
"""

from __future__ import annotations

import contextlib
from typing import Any

from jaxscape.search import _optuna as O

KEY = "hyperband_claim"


def _claims(study: Any, k: int) -> list[Any]:
    return [t for t in study.get_trials(deepcopy=False) if t.user_attrs.get(KEY) == k]


def status(study: Any, k: int) -> str:
    """``"done"``, ``"running"`` (a live claim elsewhere) or ``"free"`` for bracket ``k``."""
    optuna = O.require_optuna()
    if O._heartbeats(study):
        optuna.storages.fail_stale_trials(study)
    claims = _claims(study, k)
    if any(t.user_attrs.get("bracket_done") for t in claims):
        return "done"
    if any(t.state == optuna.trial.TrialState.RUNNING for t in claims):
        return "running"
    return "free"


def claim(study: Any, k: int) -> Any | None:
    """Claim bracket ``k``: the claim's ``FrozenTrial`` when this process won it, else ``None``."""
    optuna = O.require_optuna()
    template = optuna.trial.create_trial(state=optuna.trial.TrialState.RUNNING, user_attrs={KEY: k})
    trial_id = study._storage.create_new_trial(study._study_id, template_trial=template)
    mine = study._storage.get_trial(trial_id)
    beat(study, mine)  # a claim without any heartbeat would never become stale
    live = [
        t.number
        for t in _claims(study, k)
        if t.state == optuna.trial.TrialState.RUNNING or t.user_attrs.get("bracket_done")
    ]
    if min(live) == mine.number:
        return mine
    study._storage.set_trial_user_attr(trial_id, "lost", True)
    study._storage.set_trial_state_values(trial_id, optuna.trial.TrialState.FAIL)
    return None


def beat(study: Any, mine: Any) -> None:
    """Record a heartbeat of the claim ``mine`` (storages with heartbeats)."""
    if O._heartbeats(study):
        study._storage.record_heartbeat(mine._trial_id)


def finish(study: Any, mine: Any) -> None:
    """Mark the claimed bracket done."""
    optuna = O.require_optuna()
    study._storage.set_trial_user_attr(mine._trial_id, "bracket_done", True)
    study._storage.set_trial_state_values(mine._trial_id, optuna.trial.TrialState.PRUNED)


def abandon(study: Any, mine: Any) -> None:
    """Mark the claim failed (the bracket was interrupted): another call runs it again."""
    optuna = O.require_optuna()
    with contextlib.suppress(Exception):
        study._storage.set_trial_state_values(mine._trial_id, optuna.trial.TrialState.FAIL)


def finished_claims(study: Any) -> set[int]:
    """Numbers of the claims whose bracket finished."""
    return {
        t.number
        for t in study.get_trials(deepcopy=False)
        if KEY in t.user_attrs and t.user_attrs.get("bracket_done")
    }
