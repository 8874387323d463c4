"""The gate every route declares: who is calling, and may they use this capability here.

A route states its capability as a dependency::

    @router.get("/orgs/{org_id}/assets")
    def list_assets(caller: Annotated[Caller, gate("assets.read")]) -> ...

The gate authenticates the bearer token (none means anonymous), builds the
resource from the path (``org_id``, ``asset_id``, ``engagement_id``) and asks the
one authorizer, which records the decision and raises on deny. Two other markers
exist and nothing else: ``public()`` for routes that touch no data (health, the
public key) and ``signed_in()`` for a person's own session (logout, step-up).
A test walks the route table and fails on a route with none of the three.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request

from mamori.access.errors import UnauthenticatedError
from mamori.access.models import ANONYMOUS, Decision, Principal, PrincipalKind, Resource
from mamori.core.ids import AssetId, EngagementId, OrgId
from mamori.platform import Platform

GATE_MARKER = "mamori_gate"
PUBLIC = "public"
SIGNED_IN = "signed_in"
AUTHENTICATED = "authenticated"


@dataclass(frozen=True)
class Caller:
    """The authenticated principal of a request, and the decision that let it in."""

    principal: Principal
    decision: Decision | None
    token: str | None = None

    @property
    def org_id(self) -> OrgId | None:
        return self.principal.org_id


def platform_of(request: Request) -> Platform:
    """The platform the application was built around."""
    platform: Platform = request.app.state.platform
    return platform


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError(
            "the Authorization header must be 'Bearer <token>'", where="Authorization"
        )
    return token.strip()


def resource_from(request: Request) -> Resource:
    """The resource a request is about, from its path parameters."""
    params = request.path_params
    return Resource(
        org_id=OrgId(params["org_id"]) if "org_id" in params else None,
        asset_id=AssetId(params["asset_id"]) if "asset_id" in params else None,
        engagement_id=EngagementId(params["engagement_id"]) if "engagement_id" in params else None,
    )


def _identify(request: Request) -> tuple[Principal, str | None]:
    token = bearer_token(request)
    if token is None:
        return ANONYMOUS, None
    return platform_of(request).authenticate(token), token


def _mark(function: Callable[..., Any], value: str) -> Any:
    setattr(function, GATE_MARKER, value)
    return Depends(function)


def gate(capability: str) -> Any:
    """A dependency that lets the request in only if ``capability`` is allowed here."""

    def authorize(request: Request) -> Caller:
        token = bearer_token(request)
        principal, decision = platform_of(request).admit(token, capability, resource_from(request))
        return Caller(principal=principal, decision=decision, token=token)

    authorize.__name__ = f"gate_{capability.replace('.', '_')}"
    return _mark(authorize, capability)


def signed_in() -> Any:
    """A dependency for a person's own session: authenticated, no capability involved."""

    def require_person(request: Request) -> Caller:
        principal, token = _identify(request)
        if principal.kind is not PrincipalKind.USER:
            raise UnauthenticatedError(
                "this route needs a signed-in person's session token", where="Authorization"
            )
        return Caller(principal=principal, decision=None, token=token)

    return _mark(require_person, SIGNED_IN)


def signed_in_or_key() -> Any:
    """A dependency for routes that need a caller but use no capability of their own.

    ``GET /auth/me`` answers who the token stands for; ``POST /orgs/{org_id}/authorize``
    then asks the authorizer about the capability named in its body, so that decision
    is still made, and recorded, by the one gate.
    """

    def require_principal(request: Request) -> Caller:
        principal, token = _identify(request)
        if principal.kind is PrincipalKind.ANONYMOUS:
            raise UnauthenticatedError("this route needs a bearer token", where="Authorization")
        return Caller(principal=principal, decision=None, token=token)

    return _mark(require_principal, AUTHENTICATED)


def public() -> Any:
    """A dependency for routes that touch no organization's data."""

    def nobody() -> None:
        return None

    return _mark(nobody, PUBLIC)


def gate_of(route: Any) -> str | None:
    """The gate a route declares (a capability, ``public`` or ``signed_in``), if any."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        marker = getattr(dependency.call, GATE_MARKER, None)
        if marker is not None:
            return str(marker)
        pending.extend(dependency.dependencies)
    return None
