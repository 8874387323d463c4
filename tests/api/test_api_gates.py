"""Every route declares its gate, the checker catches one that does not, and clients see it.

The route table is walked through included routers: ``app.routes`` holds an
included router as a single entry, so a walk of the top level alone would find
no API route at all and pass vacuously (the first test rules that out).
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from api_routes import endpoints, flat_routes, ungated_routes
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute

from mamori.access.capabilities import CAPABILITIES
from mamori.api.gate import AUTHENTICATED, PUBLIC, SIGNED_IN, Caller, gate, gate_of, public

MARKERS = {PUBLIC, SIGNED_IN, AUTHENTICATED}


def test_every_route_declares_a_gate(app: FastAPI) -> None:
    routes = endpoints(app.routes)
    assert len(routes) > 50, "the walk found too few routes to be walking the real table"
    assert ungated_routes(app.routes) == []
    for endpoint in routes:
        declared = gate_of(endpoint.route)
        assert declared in MARKERS or declared in CAPABILITIES, f"{endpoint}: {declared!r}"


def test_only_the_few_open_routes_are_public(app: FastAPI) -> None:
    open_routes = {str(e) for e in endpoints(app.routes) if gate_of(e.route) == PUBLIC}
    assert open_routes == {
        "GET /health",
        "POST /auth/login",
        "GET /capabilities",
        "GET /audit/public-key",
    }


def wrapper(caller: Annotated[Caller, gate("assets.read")]) -> Caller:
    """A dependency that itself depends on the gate."""
    return caller


def unrelated() -> int:
    """A dependency that is no gate."""
    return 1


def _tiny_app() -> FastAPI:
    """An application with gated routes and three that slip past the gate in different ways."""
    tiny = FastAPI()

    @tiny.get("/gated")
    def gated(caller: Annotated[Caller, gate("assets.read")]) -> None:
        return None

    @tiny.get("/open")
    def open_route(_: Annotated[None, public()]) -> None:
        return None

    @tiny.get("/nested")
    def nested(caller: Annotated[Caller, Depends(wrapper)]) -> None:
        return None

    @tiny.get("/leak")
    def leak() -> dict[str, Any]:
        return {"secret": "everyone's"}

    inner = APIRouter()

    @inner.post("/orgs/{org_id}/hidden")
    def hidden(org_id: str, number: Annotated[int, Depends(unrelated)]) -> None:
        return None

    tiny.include_router(inner)
    tiny.add_route("/raw", lambda request: None)
    return tiny


def test_the_checker_flags_a_route_without_a_gate() -> None:
    problems = ungated_routes(_tiny_app().routes)
    assert problems == [
        "GET /leak: no gate",
        "POST /orgs/{org_id}/hidden: no gate",
        "/raw: not an API route, so it cannot declare a gate",
    ]


def test_a_gate_inside_a_dependency_counts() -> None:
    routes = {path: route for path, route in flat_routes(_tiny_app().routes)}
    nested = routes["/nested"]
    assert isinstance(nested, APIRoute)
    assert gate_of(nested) == "assets.read"


def test_the_openapi_document_names_each_operation_gate(app: FastAPI, api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    expected = {(e.method.lower(), e.template): gate_of(e.route) for e in endpoints(app.routes)}
    found = {
        (method, path): operation.get("x-mamori-gate")
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert found == expected
    assert None not in found.values()
