"""The route table, walked: which routes exist, their gates, and how to call each one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from mamori.api.gate import gate_of

# FastAPI's own documentation routes, which serve no organization's data.
DOCS_PATHS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


@dataclass(frozen=True)
class Endpoint:
    """One method of one route."""

    method: str
    template: str
    route: APIRoute

    @property
    def params(self) -> list[str]:
        """The path's parameters, in order."""
        return _PARAM.findall(self.template)

    @property
    def body_model(self) -> str | None:
        """The name of the body's model class, if the route takes a body."""
        params = self.route.dependant.body_params
        if not params:
            return None
        annotation: Any = params[0].field_info.annotation
        return str(annotation.__name__)

    @property
    def query_names(self) -> list[str]:
        return [param.name for param in self.route.dependant.query_params]

    def path(self, values: dict[str, str]) -> str:
        """The template with each parameter replaced by its value, percent-encoded whole."""
        return _PARAM.sub(lambda match: segment(values[match.group(1)]), self.template)

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def segment(value: str) -> str:
    """``value`` as one path segment, with nothing left for a client to normalize away."""
    return quote(value, safe="").replace(".", "%2E")


def flat_routes(routes: list[BaseRoute]) -> list[tuple[str, BaseRoute]]:
    """Every route with the path it is served at, included routers opened up.

    ``app.routes`` holds an included router as one entry, not its routes; a walk
    that looked only at the top level would see no API route at all.
    """
    return [(str(context.path), context.original_route) for context in iter_route_contexts(routes)]


def endpoints(routes: list[BaseRoute]) -> list[Endpoint]:
    """Every method of every API route."""
    return [
        Endpoint(method, path, route)
        for path, route in flat_routes(routes)
        if isinstance(route, APIRoute)
        for method in sorted(route.methods)
    ]


def org_endpoints(app: FastAPI) -> list[Endpoint]:
    """Every endpoint whose path names an organization."""
    return [endpoint for endpoint in endpoints(app.routes) if "{org_id}" in endpoint.template]


def ungated_routes(routes: list[BaseRoute]) -> list[str]:
    """Routes that declare no gate (API routes) or bypass the API's routing (anything else)."""
    problems = []
    for path, route in flat_routes(routes):
        if isinstance(route, APIRoute):
            if gate_of(route) is None:
                problems.append(f"{','.join(sorted(route.methods))} {path}: no gate")
        elif path not in DOCS_PATHS:
            problems.append(f"{path}: not an API route, so it cannot declare a gate")
    return problems
