"""``/metrics`` (every dialect; never rate limited), plus the opt-in test routes."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.exc import ProgrammingError

from ..deps import get_runtime
from ..runtime import Runtime

router = APIRouter()
test_router = APIRouter(prefix="/__test__", include_in_schema=False)  # not an API operation


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
