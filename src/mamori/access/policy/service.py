"""The one authorization point.

``Authorizer.authorize`` reads the facts it needs in its own short transaction, asks the
Cedar policies, counts the use against the organization's quota when allowed, appends
one ``access.authorize`` entry to the transparency log, commits, and raises on deny, so
that a denial is on the log even though the caller sees an exception.

Decisions that Cedar does not take carry a reserved policy id: ``unknown-capability``
(the action is not in the registry), ``policy-set-broken`` (the policy files did not
load), ``policy-evaluation-error`` (a policy failed to evaluate) and ``no-permit`` (no
policy permits the request).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.orm import Session

from mamori.access.capabilities import CAPABILITIES, Capability, QuotaLimit
from mamori.access.control import quotas
from mamori.access.control.models import QuotaUsage
from mamori.access.errors import (
    AccessDeniedError,
    EmergencyStoppedError,
    MfaRequiredError,
    RateLimitedError,
)
from mamori.access.models import Decision, Principal, Resource
from mamori.access.policy import repository
from mamori.access.policy.engine import Evaluation, PolicyEngine
from mamori.access.policy.errors import PolicyLoadError
from mamori.access.policy.loader import POLICY_DIR
from mamori.access.policy.models import Denial, Facts
from mamori.access.policy.request import decision_inputs, resource_org
from mamori.audit.models import EntryKind, NewEntry
from mamori.audit.service import append
from mamori.core.clock import Clock
from mamori.core.logging import event, get_logger
from mamori.store.engine import Database

logger = get_logger(__name__)

PROGRAM = Resource()


@dataclass(frozen=True)
class _Verdict:
    allowed: bool
    policies: tuple[str, ...]
    reason: str
    denial: Denial = Denial.DENIED
    org_id: str | None = None
    quota: QuotaUsage | None = None


@dataclass(frozen=True)
class Ruling:
    """A logged decision, and the error that enforces it when it is a denial."""

    decision: Decision
    denial: AccessDeniedError | None

    def enforce(self) -> Decision:
        """The decision when it allows; raises its denial otherwise."""
        if self.denial is not None:
            raise self.denial
        return self.decision


class Authorizer:
    """Decides every capability call against the Cedar policies; raises on deny."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        mfa_fresh_seconds: int = 300,
        *,
        policy_dir: Path = POLICY_DIR,
        engine: PolicyEngine | None = None,
    ) -> None:
        """Load the policies in ``policy_dir`` (or use an ``engine`` already loaded from them).

        A policy set that does not load leaves the gate denying everything, with the load
        error (file and line) as the reason of every decision.
        """
        self._database = database
        self._clock = clock
        self._mfa_fresh_seconds = mfa_fresh_seconds
        self.engine: PolicyEngine | None = engine
        self.load_error: PolicyLoadError | None = None
        if engine is not None:
            return
        try:
            self.engine = PolicyEngine.load(policy_dir)
        except PolicyLoadError as exc:
            # Fail closed: keep running, deny everything, and say why on every decision.
            self.load_error = exc
            event(logger, "access.policy.broken", logging.ERROR, error=str(exc))

    def authorize(
        self, principal: Principal, action: str, resource: Resource = PROGRAM
    ) -> Decision:
        """Allow ``principal`` to use capability ``action`` on ``resource``, or raise.

        Raises :class:`AccessDeniedError` (or its ``EmergencyStoppedError``,
        ``MfaRequiredError`` and ``RateLimitedError`` kinds, chosen by the policy that
        decided); its ``decision`` carries the audit index of the logged denial.
        The decision runs in its own transaction, so call it outside any other one.
        """
        with self._database.session() as session:
            ruling = self.decide(session, principal, action, resource)
        return ruling.enforce()

    def decide(
        self, session: Session, principal: Principal, action: str, resource: Resource = PROGRAM
    ) -> Ruling:
        """Decide and log the decision in the caller's transaction, without raising.

        For callers that do more in the same transaction (the HTTP gate authenticates
        first): commit the session, then call :meth:`Ruling.enforce`, so that a denial
        stays in the log when it is raised.
        """
        decision, verdict = self._decide(session, principal, action, resource)
        return Ruling(decision, None if decision.allowed else _denial(decision, verdict))

    def _decide(
        self, session: Session, principal: Principal, action: str, resource: Resource
    ) -> tuple[Decision, _Verdict]:
        now = self._clock.now()
        capability = CAPABILITIES.get(action)
        org_id = principal.org_id or resource.org_id
        if capability is None:
            reason = f"unknown capability {action!r}"
            verdict = _Verdict(False, ("unknown-capability",), reason, org_id=org_id)
        elif self.engine is None:
            reason = str(self.load_error)
            verdict = _Verdict(False, ("policy-set-broken",), reason, org_id=org_id)
        else:
            verdict = self._evaluate(session, self.engine, principal, capability, resource, now)
        decision = Decision(
            allowed=verdict.allowed,
            action=action,
            principal=principal.label,
            resource=resource.label,
            policies=verdict.policies,
            reason=verdict.reason,
        )
        index = append(session, _entry(decision, verdict, principal, now))
        return replace(decision, audit_index=index), verdict

    def _evaluate(
        self,
        session: Session,
        engine: PolicyEngine,
        principal: Principal,
        capability: Capability,
        resource: Resource,
        now: dt.datetime,
    ) -> _Verdict:
        facts = repository.read_facts(session, principal, capability.name, resource, now=now)

        def ask(facts: Facts) -> Evaluation:
            inputs = decision_inputs(
                principal, capability, resource, facts, now=now, mfa_max_age=self._mfa_fresh_seconds
            )
            return engine.decide(inputs)

        evaluation = ask(facts)
        read = facts.quota
        if evaluation.allowed and read is not None:
            # Only an allowed use counts. The count is atomic and decides: if it shows uses
            # the read did not (a concurrent request's), the request is decided again on it.
            limit = QuotaLimit(read.limit, read.window_seconds)
            counted = quotas.count_use(session, read.org_id, capability.name, limit, now)
            facts = replace(facts, quota=counted)
            evaluation = ask(facts)
            if not evaluation.allowed:
                quotas.uncount_use(session, counted)
        org_id = principal.org_id or resource_org(resource, facts) or None
        return _verdict(principal, capability, evaluation, org_id, facts.quota)


def _verdict(
    principal: Principal,
    capability: Capability,
    evaluation: Evaluation,
    org_id: str | None,
    quota: QuotaUsage | None,
) -> _Verdict:
    ids = tuple(dict.fromkeys(policy.id for policy in evaluation.policies))
    if evaluation.errors:
        event(logger, "access.policy.evaluation_failed", logging.ERROR, errors=evaluation.errors)
        reason = "a policy could not be evaluated: " + "; ".join(evaluation.errors)
        return _Verdict(False, (*ids, "policy-evaluation-error"), reason, org_id=org_id)
    if evaluation.allowed:
        return _Verdict(True, ids, "allowed by " + ", ".join(ids), org_id=org_id, quota=quota)
    if not ids:
        reason = f"no policy permits {principal.label} to use {capability.name} here"
        return _Verdict(False, ("no-permit",), reason, org_id=org_id)
    reasons = "; ".join(dict.fromkeys(policy.reason for policy in evaluation.policies))
    denials = {policy.denial for policy in evaluation.policies}
    return _Verdict(False, ids, reasons, _denial_kind(denials), org_id, quota)


def _denial_kind(denials: set[Denial]) -> Denial:
    # A stop explains any denial it is part of; MFA and quota only when they alone deny,
    # so that a caller is never told to retry something that would be denied anyway.
    if Denial.EMERGENCY_STOP in denials:
        return Denial.EMERGENCY_STOP
    return denials.pop() if len(denials) == 1 else Denial.DENIED


def _entry(
    decision: Decision, verdict: _Verdict, principal: Principal, at: dt.datetime
) -> NewEntry:
    details: dict[str, object] = {
        "capability": decision.action,
        "outcome": "allow" if decision.allowed else "deny",
        "policies": list(decision.policies),
        "reason": decision.reason,
        "resource": decision.resource,
    }
    if verdict.denial is Denial.RATE_LIMITED and verdict.quota is not None:
        details["resets_at"] = verdict.quota.resets_at.isoformat()
    return NewEntry(
        kind=EntryKind.DECISION,
        action="access.authorize",
        actor=principal.label,
        org_id=verdict.org_id,
        at=at,
        details=details,
    )


def _denial(decision: Decision, verdict: _Verdict) -> AccessDeniedError:
    if verdict.denial is Denial.EMERGENCY_STOP:
        return EmergencyStoppedError(
            decision, hint="the capability is halted until the stop is lifted"
        )
    if verdict.denial is Denial.MFA_REQUIRED:
        return MfaRequiredError(decision, hint="verify your second factor again, then retry")
    if verdict.denial is Denial.RATE_LIMITED and verdict.quota is not None:
        resets_at = verdict.quota.resets_at.isoformat()
        error = RateLimitedError(decision, hint=f"try again after {resets_at}")
        error.details["resets_at"] = resets_at
        return error
    return AccessDeniedError(decision)
