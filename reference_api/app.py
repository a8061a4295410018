"""Application factory: the dialect's routes, its error handlers, OpenAPI, the edge middleware and mutations."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__
from .middleware import EdgeMiddleware
from .mutations import MutationMiddleware
from .problems import FieldProblem, ProblemError
from .routes import account, auth, health, lattices, system, users, webhooks
from .routes_classic import billing, grids, identity
from .routes_lean import accounts as lean_accounts
from .routes_lean import lattices as lean_lattices
from .routes_lean import system as lean_system
from .routetable import RouteTable
from .runtime import Runtime

log = logging.getLogger("reference_api")
OPENAPI_PATH = "/openapi.json"
#: The route modules of each dialect (see :mod:`reference_api.dialects`).
DIALECT_ROUTES: dict[str, tuple[ModuleType, ...]] = {
    "contract": (system, health, auth, users, account, lattices, webhooks),
    "classic": (system, health, identity, billing, grids),
    "lean": (system, lean_system, lean_accounts, lean_lattices),
}


def _problem(
    request: Request,
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
    problems: tuple[FieldProblem, ...] = (),
) -> Response:
    runtime: Runtime = request.app.state.runtime
    status, body, content_type = runtime.dialect.error(status, detail, request.url.path, runtime.faults, problems)
    return Response(body, status_code=status, headers={**(headers or {}), "Content-Type": content_type})


def _field_problem(error: Mapping[str, Any]) -> FieldProblem:
    """A validation error of FastAPI's (query and path parameters) as the core's problem."""
    loc = tuple(p for p in error.get("loc", ()) if isinstance(p, (str, int)))
    field = ".".join(str(p) for p in loc if p not in ("body", "query", "path", "header")) or "request"
    return FieldProblem(loc, f"{field}: {error.get('msg', 'invalid value')}.", str(error.get("type", "value_error")))


def create_app(runtime: Runtime) -> EdgeMiddleware | MutationMiddleware:
    """The ASGI application of the service."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await runtime.close()

    # The OpenAPI document (FastAPI's own) lists exactly the dialect's operations; no docs UI.
    docs_ui: dict[str, Any] = {"docs_url": None, "redoc_url": None}
    app = FastAPI(title="Lattice API", version=__version__, openapi_url=OPENAPI_PATH, lifespan=lifespan, **docs_ui)
    app.state.runtime = runtime
    routers = [m.router for m in DIALECT_ROUTES[runtime.settings.dialect]]
    if runtime.settings.enable_test_routes:
        routers.append(system.test_router)
    for router in routers:
        app.include_router(router)
    # app.routes holds the OpenAPI route (included routers are wrapped, hence listed separately)
    table = RouteTable([*app.routes, *(route for router in routers for route in router.routes)])

    @app.exception_handler(ProblemError)
    async def on_problem(request: Request, exc: ProblemError) -> Response:
        return _problem(request, exc.status, exc.detail, exc.headers, exc.problems)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _problem(request, 404, f"Nothing is found at {request.url.path}.")
        if exc.status_code == 405:
            allow = table.allowed(request.url.path)
            return _problem(request, 405, f"{request.method} is not allowed here; allowed: {allow}.", {"Allow": allow})
        detail = exc.detail if isinstance(exc.detail, str) else "The request could not be processed."
        return _problem(request, exc.status_code, detail, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        problems = tuple(_field_problem(error) for error in exc.errors())
        detail = " ".join(p.message for p in problems) or "The request is invalid."
        return _problem(request, 422, detail, None, problems)

    @app.exception_handler(OperationalError)
    async def on_database_down(request: Request, exc: OperationalError) -> Response:
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        return _problem(request, 503, "The service is temporarily unavailable; try again later.", {"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> Response:
        log.error("unhandled %s on %s %s", exc.__class__.__name__, request.method, request.url.path)
        return _problem(request, 500, "An unexpected error occurred.")

    edge = EdgeMiddleware(app, table, runtime)
    # the mutations wrap everything, so they also change what the edge adds (headers, 429s)
    return MutationMiddleware(edge, runtime.mutations) if runtime.mutations.enabled else edge
