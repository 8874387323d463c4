"""The FastAPI application, built around one :class:`~mamori.platform.Platform`."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from mamori import __version__
from mamori.api import errors
from mamori.api.access_log import AccessLogMiddleware
from mamori.api.gate import gate_of
from mamori.api.limits import BodyLimitMiddleware, ControlCharacterMiddleware
from mamori.api.routers import ROUTERS, hunts, program
from mamori.platform import Platform

DESCRIPTION = """\
mamori's trusted-access platform. Every route declares the capability it needs
(`x-mamori-gate` on each operation); every decision, allowed or denied, is
recorded in the transparency log under `/audit`.

Authenticate with `Authorization: Bearer <token>`: a session token from
`POST /auth/login`, or a service API key (`mmr_…`).
"""


def create_app(platform: Platform) -> FastAPI:
    """The HTTP API over ``platform``."""
    app = FastAPI(
        title="mamori",
        version=__version__,
        description=DESCRIPTION,
        separate_input_output_schemas=False,
    )
    app.state.platform = platform
    errors.install(app)
    for router in ROUTERS:
        _document_gates(router)
        app.include_router(router)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=platform.settings.max_body_bytes,
        overrides={
            ("POST", "/program/applications"): program.APPLY_MAX_BODY,
            ("POST", "/orgs/{org_id}/hunts"): hunts.HUNT_MAX_BODY,
        },
    )
    app.add_middleware(ControlCharacterMiddleware)
    app.add_middleware(AccessLogMiddleware)
    return app


def _document_gates(router: APIRouter) -> None:
    """Put each route's gate into its OpenAPI operation, so clients can see it.

    Done on the router before it is included: ``app.routes`` holds the included
    routers, not their routes, and an inclusion copies each route's OpenAPI extras.
    """
    for route in router.routes:
        if isinstance(route, APIRoute):
            route.openapi_extra = {**(route.openapi_extra or {}), "x-mamori-gate": gate_of(route)}
