"""The health report: a real database round trip and (where the dialect uses one) a Redis ping.

The report is in the core's words (``pass``/``warn``/``fail``, per component ``pass``/``fail``/
``not_configured``) with the health faults applied; each dialect renders it in its own vocabulary.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace

from ..runtime import Runtime

log = logging.getLogger("reference_api.health")
DB_TIMEOUT_SECONDS = 2.5
REDIS_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class Check:
    """One component's state (``pass``, ``fail``, ``not_configured``) and its round trip."""

    status: str
    latency_ms: float | None = None


@dataclass(frozen=True)
class HealthReport:
    """The overall state, the HTTP status, the components, and the form the answer takes.

    ``form`` is ``report`` (the dialect's usual body), ``flat`` (the ``health_flat_contradiction``
    fault: overall healthy, database unhealthy, in a flat body) or ``garbage`` (``health_garbage``:
    a plain-text ``OK``).
    """

    status: str
    http_status: int
    checks: dict[str, Check] = field(default_factory=dict)
    form: str = "report"


async def _database_check(runtime: Runtime) -> Check:
    loop = asyncio.get_running_loop()
    try:
        latency = await asyncio.wait_for(loop.run_in_executor(runtime.health_pool, runtime.db.ping), DB_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001 - any failure of the round trip is a failed check
        log.warning("database health check failed: %s", exc.__class__.__name__)
        return Check("fail")
    return Check("pass", round(latency, 3))


async def _redis_check(runtime: Runtime) -> Check:
    try:
        return Check(await asyncio.wait_for(runtime.limiter.ping_redis(), REDIS_TIMEOUT_SECONDS))
    except Exception:  # noqa: BLE001
        return Check("fail")


async def report(runtime: Runtime) -> HealthReport:
    """Probe the components: 200 ``pass`` (``warn`` with Redis down), 503 ``fail`` with the database down."""
    faults = runtime.faults
    if faults.on("health_garbage"):
        return HealthReport("pass", 200, form="garbage")
    probes = {"database": _database_check(runtime)}
    if runtime.dialect.uses_cache:
        probes["redis"] = _redis_check(runtime)
    checks = dict(zip(probes, await asyncio.gather(*probes.values()), strict=True))
    if checks["database"].status == "fail":
        health = HealthReport("fail", 503, checks)
    elif any(check.status == "fail" for check in checks.values()):
        health = HealthReport("warn", 200, checks)
    else:
        health = HealthReport("pass", 200, checks)
    return _broken(health, runtime)


def _broken(health: HealthReport, runtime: Runtime) -> HealthReport:
    """``health`` as the enabled health faults change it."""
    faults = runtime.faults
    if faults.on("health_body_fail"):
        health = replace(health, status="fail", http_status=200)
    if faults.on("health_status_mismatch"):
        health = replace(health, status="pass", http_status=503)
    if faults.on("health_flat_contradiction"):
        return HealthReport("pass", 200, {**health.checks, "database": Check("fail")}, form="flat")
    if faults.on("health_pass_with_failed_check"):
        health = HealthReport("pass", 200, {**health.checks, "database": Check("fail")})
    dropped = {"database"} if faults.on("health_no_database_check") else set()
    if faults.on("health_no_redis_check"):
        dropped.add("redis")
    return replace(health, checks={name: c for name, c in health.checks.items() if name not in dropped})
