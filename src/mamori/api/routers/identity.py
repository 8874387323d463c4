"""People and service keys: sign-in, second factor, users, API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from mamori.access.identity import service as identity
from mamori.access.identity.models import (
    ApiKey,
    IssuedApiKey,
    IssuedSession,
    NewApiKey,
    NewUser,
    TotpEnrollment,
    User,
    UserSession,
)
from mamori.access.models import Principal, Role
from mamori.api.gate import Caller, gate, platform_of, public, signed_in, signed_in_or_key
from mamori.api.limits import Body
from mamori.core.ids import OrgId

router = APIRouter(tags=["identity"])


class LoginIn(Body):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1000)
    totp_code: str | None = Field(default=None, min_length=6, max_length=8)


class CodeIn(Body):
    code: str = Field(min_length=6, max_length=8)


class UserIn(Body):
    email: str = Field(min_length=3, max_length=320)
    display_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=12, max_length=1000)
    roles: list[Role] = Field(min_length=1)


class ReasonIn(Body):
    reason: str = Field(min_length=3, max_length=2000)


class KeyIn(Body):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(min_length=1, max_length=50)
    roles: list[Role] = Field(min_length=1)
    expires_in_days: int = Field(default=90, ge=1, le=365)


class Me(BaseModel):
    kind: str
    id: str
    org_id: str | None
    roles: list[Role]
    scopes: list[str] | None

    @classmethod
    def of(cls, principal: Principal) -> Me:
        return cls(
            kind=principal.kind.value,
            id=principal.id,
            org_id=principal.org_id,
            roles=sorted(principal.roles, key=lambda role: role.value),
            scopes=sorted(principal.scopes) if principal.scopes is not None else None,
        )


@router.post("/auth/login")
def login(request: Request, body: LoginIn, _: Annotated[None, public()]) -> IssuedSession:
    """Sign in with password and, once enrolled, a TOTP code; the token is shown once."""
    platform = platform_of(request)
    return identity.login(
        platform.database,
        platform.clock,
        body.email,
        body.password,
        body.totp_code,
        ttl_seconds=platform.settings.session_ttl_seconds,
    )


@router.post("/auth/step-up")
def step_up(request: Request, body: CodeIn, caller: Annotated[Caller, signed_in()]) -> UserSession:
    """Verify a fresh TOTP code; high-risk actions need one from the last few minutes."""
    platform = platform_of(request)
    assert caller.token is not None
    return identity.step_up(platform.database, platform.clock, caller.token, body.code)


@router.post("/auth/logout")
def logout(request: Request, caller: Annotated[Caller, signed_in()]) -> UserSession:
    """End this session."""
    platform = platform_of(request)
    assert caller.token is not None
    with platform.database.session() as session:
        return identity.logout(session, platform.clock, caller.token)


@router.get("/auth/me")
def me(caller: Annotated[Caller, signed_in_or_key()]) -> Me:
    """Who the bearer token stands for."""
    return Me.of(caller.principal)


@router.post("/auth/totp/enroll")
def enroll_totp(request: Request, caller: Annotated[Caller, signed_in()]) -> TotpEnrollment:
    """Start enrolling an authenticator app: the secret and its otpauth:// URI."""
    platform = platform_of(request)
    principal = caller.principal
    with platform.database.session() as session:
        return identity.enroll_totp(
            session, platform.clock, principal, principal.org_id, principal.id
        )


@router.post("/auth/totp/confirm")
def confirm_totp(request: Request, body: CodeIn, caller: Annotated[Caller, signed_in()]) -> User:
    """Finish enrolling with a code from the authenticator app."""
    platform = platform_of(request)
    principal = caller.principal
    with platform.database.session() as session:
        return identity.confirm_totp(
            session, platform.clock, principal, principal.org_id, principal.id, body.code
        )


def _new_user(body: UserIn, org_id: OrgId | None) -> NewUser:
    return NewUser(
        email=body.email,
        display_name=body.display_name,
        password=body.password,
        roles=frozenset(body.roles),
        org_id=org_id,
    )


@router.get("/orgs/{org_id}/users")
def list_users(
    request: Request, org_id: OrgId, caller: Annotated[Caller, gate("identity.user.read")]
) -> list[User]:
    """The organization's people."""
    with platform_of(request).database.session() as session:
        return identity.list_users(session, org_id)


@router.post("/orgs/{org_id}/users", status_code=status.HTTP_201_CREATED)
def create_user(
    request: Request,
    org_id: OrgId,
    body: UserIn,
    caller: Annotated[Caller, gate("identity.user.manage")],
) -> User:
    """Add a person to the organization with organization roles."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return identity.create_user(
            session, platform.clock, caller.principal, _new_user(body, org_id)
        )


@router.get("/orgs/{org_id}/users/{user_id}")
def get_user(
    request: Request,
    org_id: OrgId,
    user_id: str,
    caller: Annotated[Caller, gate("identity.user.read")],
) -> User:
    """One person of the organization."""
    with platform_of(request).database.session() as session:
        return identity.get_user(session, org_id, user_id)


@router.post("/orgs/{org_id}/users/{user_id}/disable")
def disable_user(
    request: Request,
    org_id: OrgId,
    user_id: str,
    body: ReasonIn,
    caller: Annotated[Caller, gate("identity.user.manage")],
) -> User:
    """Disable a person: they can no longer sign in, and their sessions end."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return identity.disable_user(
            session, platform.clock, caller.principal, org_id, user_id, body.reason
        )


@router.get("/program/users")
def list_staff(
    request: Request, caller: Annotated[Caller, gate("program.staff.read")]
) -> list[User]:
    """The program's operators and regulators."""
    with platform_of(request).database.session() as session:
        return identity.list_users(session, None)


@router.post("/program/users", status_code=status.HTTP_201_CREATED)
def create_staff(
    request: Request, body: UserIn, caller: Annotated[Caller, gate("program.staff.manage")]
) -> User:
    """Add an operator or a regulator to the program."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return identity.create_user(
            session, platform.clock, caller.principal, _new_user(body, None)
        )


@router.post("/program/users/{user_id}/disable")
def disable_staff(
    request: Request,
    user_id: str,
    body: ReasonIn,
    caller: Annotated[Caller, gate("program.staff.manage")],
) -> User:
    """Disable an operator or a regulator: they can no longer sign in."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return identity.disable_user(
            session, platform.clock, caller.principal, None, user_id, body.reason
        )


@router.get("/orgs/{org_id}/keys")
def list_keys(
    request: Request, org_id: OrgId, caller: Annotated[Caller, gate("identity.key.read")]
) -> list[ApiKey]:
    """The organization's service keys (never their secrets)."""
    with platform_of(request).database.session() as session:
        return identity.list_api_keys(session, org_id)


@router.post("/orgs/{org_id}/keys", status_code=status.HTTP_201_CREATED)
def create_key(
    request: Request,
    org_id: OrgId,
    body: KeyIn,
    caller: Annotated[Caller, gate("identity.key.manage")],
) -> IssuedApiKey:
    """Create a scoped, expiring service key; its token is shown only in this answer."""
    platform = platform_of(request)
    new_key = NewApiKey(
        name=body.name,
        scopes=frozenset(body.scopes),
        roles=frozenset(body.roles),
        expires_in_days=body.expires_in_days,
    )
    with platform.database.session() as session:
        return identity.create_api_key(session, platform.clock, caller.principal, org_id, new_key)


@router.get("/orgs/{org_id}/keys/{key_id}")
def get_key(
    request: Request,
    org_id: OrgId,
    key_id: str,
    caller: Annotated[Caller, gate("identity.key.read")],
) -> ApiKey:
    """One service key, with when it was last used."""
    with platform_of(request).database.session() as session:
        return identity.get_api_key(session, org_id, key_id)


@router.post("/orgs/{org_id}/keys/{key_id}/revoke")
def revoke_key(
    request: Request,
    org_id: OrgId,
    key_id: str,
    body: ReasonIn,
    caller: Annotated[Caller, gate("identity.key.manage")],
) -> ApiKey:
    """Revoke a service key; it is refused from the very next request."""
    platform = platform_of(request)
    with platform.database.session() as session:
        return identity.revoke_api_key(
            session, platform.clock, caller.principal, org_id, key_id, body.reason
        )
