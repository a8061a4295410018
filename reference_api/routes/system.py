"""``/health`` and ``/metrics`` (never rate limited), plus opt-in test routes."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.exc import ProgrammingError

from .. import __version__
from ..deps import get_runtime
from ..runtime import Runtime

log = logging.getLogger("reference_api.health")
router = APIRouter()
test_router = APIRouter(prefix="/__test__", include_in_schema=False)  # not an API operation
DB_TIMEOUT_SECONDS = 2.5
REDIS_TIMEOUT_SECONDS = 1.0


async def _database_check(runtime: Runtime) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    try:
        latency = await asyncio.wait_for(loop.run_in_executor(runtime.health_pool, runtime.db.ping), DB_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001 - any failure of the round trip is a failed check
        log.warning("database health check failed: %s", exc.__class__.__name__)
        return {"status": "fail", "latency_ms": None}
    return {"status": "pass", "latency_ms": round(latency, 3)}


async def _redis_check(runtime: Runtime) -> dict[str, Any]:
    try:
        status = await asyncio.wait_for(runtime.limiter.ping_redis(), REDIS_TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001
        status = "fail"
    return {"status": status}


@router.get("/health")
async def health(runtime: Runtime = Depends(get_runtime)) -> Response:
    """Database round trip and Redis ping: 200 pass/warn, 503 fail (database unreachable)."""
    faults = runtime.faults
    if faults.on("health_garbage"):
        return PlainTextResponse("OK")
    database, redis = await asyncio.gather(_database_check(runtime), _redis_check(runtime))
    if database["status"] == "fail":
        status, code = "fail", 503
    elif redis["status"] == "fail":
        status, code = "warn", 200
    else:
        status, code = "pass", 200
    if faults.on("health_body_fail"):
        status, code = "fail", 200
    if faults.on("health_status_mismatch"):
        status, code = "pass", 503
    if faults.on("health_flat_contradiction"):
        return JSONResponse({"status": "healthy", "database": "unhealthy", "redis": "ok"}, status_code=200)
    if faults.on("health_pass_with_failed_check"):
        status, code, database = "pass", 200, {"status": "fail", "latency_ms": None}
    checks: dict[str, Any] = {"database": database, "redis": redis}
    if faults.on("health_no_database_check"):
        del checks["database"]
    if faults.on("health_no_redis_check"):
        del checks["redis"]
    return JSONResponse({"status": status, "version": __version__, "checks": checks}, status_code=code)


@router.get("/metrics")
def metrics(runtime: Runtime = Depends(get_runtime)) -> Response:
    """Prometheus text exposition format 0.0.4."""
    body, content_type = runtime.metrics.exposition(runtime.faults)
    return Response(body, headers={"Content-Type": content_type})


@test_router.get("/boom")
def boom(kind: str = "runtime") -> None:
    """Raise an unhandled exception (``kind=sql``: a database error carrying SQL text)."""
    if kind == "sql":
        raise ProgrammingError(
            "SELECT users.password_hash FROM users WHERE users.email = ?",
            ("x",),
            Exception("deliberate failure from /__test__/boom"),
        )
    raise RuntimeError("boom: deliberate failure from /__test__/boom at /srv/lattice/app.py")
