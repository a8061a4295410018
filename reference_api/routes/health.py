"""``/health`` of the contract and classic dialects (never rate limited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from .. import __version__
from ..deps import get_runtime
from ..runtime import Runtime
from ..services import health as core

router = APIRouter()
#: The body of the ``health_flat_contradiction`` fault.
FLAT_CONTRADICTION = {"status": "healthy", "database": "unhealthy", "redis": "ok"}


@router.get("/health")
async def health(runtime: Runtime = Depends(get_runtime)) -> Response:
    """Database round trip and Redis ping: 200 pass/warn, 503 fail (database unreachable)."""
    report = await core.report(runtime)
    if report.form == "garbage":
        return PlainTextResponse("OK")
    if report.form == "flat":
        return JSONResponse(FLAT_CONTRADICTION)
    checks: dict[str, Any] = {
        name: {"status": c.status, "latency_ms": c.latency_ms} if name == "database" else {"status": c.status}
        for name, c in report.checks.items()
    }
    body = {"status": report.status, "version": __version__, "checks": checks}
    return JSONResponse(body, status_code=report.http_status)
