"""One router per domain; :data:`ROUTERS` is every one the application mounts."""

from fastapi import APIRouter

from mamori.api.routers import assets, audit, control, hunts, identity, program, system

ROUTERS: tuple[APIRouter, ...] = (
    system.router,
    identity.router,
    program.router,
    assets.router,
    control.router,
    audit.router,
    hunts.router,
)
