"""Emergency stops: halt every capability, one organization, one capability, or one
capability for one organization, at once.

A stop takes effect on the very next authorization in every process that shares the
database, because the gate reads the stops in force on every decision. Setting and
lifting are program actions, each recorded in the transparency log in the caller's
transaction. Whether the caller may set or lift a stop is the gate's decision
(``program.stop.set`` / ``program.stop.lift``), taken before these run.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from mamori.access.capabilities import CAPABILITIES
from mamori.access.control import repository
from mamori.access.control.errors import (
    InvalidControlError,
    StopConflictError,
    StopNotFoundError,
)
from mamori.access.control.models import EmergencyStop, StopId
from mamori.access.models import Principal, StopScope
from mamori.audit.actions import record
from mamori.core.clock import Clock
from mamori.core.ids import OrgId, new_id

MAX_REASON = 2000

_NEEDS_ORG = {StopScope.ORGANIZATION, StopScope.ORGANIZATION_CAPABILITY}
_NEEDS_CAPABILITY = {StopScope.CAPABILITY, StopScope.ORGANIZATION_CAPABILITY}


def set_stop(
    session: Session,
    clock: Clock,
    actor: Principal,
    scope: StopScope,
    reason: str,
    *,
    org_id: OrgId | None = None,
    capability: str | None = None,
) -> EmergencyStop:
    """Put a stop in force and log it; raises if the same stop is already in force."""
    reason = _check_reason(reason, "reason")
    _check_target(session, scope, org_id, capability)
    existing = repository.matching_stop(session, scope, org_id, capability)
    if existing is not None:
        raise StopConflictError(
            f"this stop is already in force as {existing.id}",
            where="scope",
            hint="lift it first, or leave it as it is",
        )
    stop = EmergencyStop(
        id=StopId(new_id("stp")),
        scope=scope,
        org_id=org_id,
        capability=capability,
        reason=reason,
        set_by=actor.label,
        set_at=clock.now(),
    )
    repository.add_stop(session, stop)
    record(
        session,
        clock,
        "program.stop.set",
        actor=actor.label,
        org_id=stop.org_id,
        details=stop.to_details(),
        at=stop.set_at,
    )
    return stop


def lift_stop(
    session: Session, clock: Clock, actor: Principal, stop_id: str, reason: str
) -> EmergencyStop:
    """Lift a stop in force and log it; raises if there is no such stop or it is lifted."""
    reason = _check_reason(reason, "lift_reason")
    stop = repository.get_stop(session, stop_id, for_update=True)
    if stop is None:
        raise StopNotFoundError(f"no emergency stop {stop_id!r}", where="stop_id")
    now = clock.now()
    if not repository.mark_lifted(session, stop.id, by=actor.label, at=now, reason=reason):
        raise StopConflictError(f"emergency stop {stop.id} was already lifted", where="stop_id")
    lifted = replace(stop, lifted_by=actor.label, lifted_at=now, lift_reason=reason)
    details = {**stop.to_details(), "lift_reason": reason}
    record(
        session,
        clock,
        "program.stop.lifted",
        actor=actor.label,
        org_id=stop.org_id,
        details=details,
        at=now,
    )
    return lifted


def active_stops(session: Session) -> list[EmergencyStop]:
    """Every stop in force, oldest first."""
    return repository.active_stops(session)


def get_stop(session: Session, stop_id: str) -> EmergencyStop:
    """One stop, in force or lifted; raises :class:`StopNotFoundError` if there is none."""
    stop = repository.get_stop(session, stop_id)
    if stop is None:
        raise StopNotFoundError(f"no emergency stop {stop_id!r}", where="stop_id")
    return stop


def _check_reason(reason: str, where: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidControlError(
            "a reason is required", where=where, hint="say why, for the log and the regulator"
        )
    if len(reason) > MAX_REASON:
        raise InvalidControlError(f"the reason is over {MAX_REASON} characters", where=where)
    return reason


def _check_target(
    session: Session, scope: StopScope, org_id: str | None, capability: str | None
) -> None:
    if (org_id is not None) != (scope in _NEEDS_ORG):
        needed = "needs" if scope in _NEEDS_ORG else "takes no"
        raise InvalidControlError(f"a {scope.value} stop {needed} org_id", where="org_id")
    if (capability is not None) != (scope in _NEEDS_CAPABILITY):
        needed = "needs" if scope in _NEEDS_CAPABILITY else "takes no"
        raise InvalidControlError(f"a {scope.value} stop {needed} capability", where="capability")
    if capability is not None and capability not in CAPABILITIES:
        raise InvalidControlError(
            f"unknown capability {capability!r}",
            where="capability",
            hint="use one of the names in mamori.access.capabilities.CAPABILITIES",
        )
    if capability is not None and not CAPABILITIES[capability].stoppable:
        raise InvalidControlError(
            f"{capability} is one of the program's own controls and cannot be stopped",
            where="capability",
        )
    if org_id is not None and not repository.organization_exists(session, org_id):
        raise InvalidControlError(f"no organization {org_id!r}", where="org_id")
