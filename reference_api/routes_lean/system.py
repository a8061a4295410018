"""Lean ``/health`` (no cache entry), ``/info`` (public, rate limited) and the ``/docs`` page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from .. import __version__
from ..deps import get_runtime
from ..runtime import Runtime
from ..services import health as core

router = APIRouter()
#: The lean words of the core's states.
OVERALL = {"pass": "ok", "warn": "ok", "fail": "error"}
COMPONENT = {"pass": "up", "fail": "down"}
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lattice API - docs</title>
<style>body{font-family:sans-serif;margin:2em}code{background:#eee;padding:0 .3em}</style></head>
<body><h1>Lattice API</h1><p>The operations of <code>/openapi.json</code>:</p><ul id="ops"></ul>
<script>
fetch("/openapi.json").then(r => r.json()).then(doc => {
  const list = document.getElementById("ops");
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) {
      const li = document.createElement("li");
      li.textContent = method.toUpperCase() + " " + path + " - " + (item[method].summary || "");
      list.appendChild(li);
    }
  }
});
</script></body></html>
"""


@router.get("/health")
async def health(runtime: Runtime = Depends(get_runtime)) -> Response:
    """The database round trip: 200 ``ok``, 503 ``error`` when the database is unreachable."""
    report = await core.report(runtime)
    if report.form == "garbage":
        return PlainTextResponse("OK")
    components = {name: COMPONENT.get(c.status, c.status) for name, c in report.checks.items()}
    body: dict[str, Any] = {"status": OVERALL[report.status]}
    if report.form == "flat":
        body.update(components)
    else:
        body["components"] = components
    return JSONResponse(body, status_code=report.http_status)


@router.get("/info")
def info() -> dict[str, str]:
    """The service's name and version (public, rate limited per address)."""
    return {"name": "Lattice API", "version": __version__}


@router.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    """A page listing the operations (an inline script and inline styles: its own CSP allows them)."""
    return HTMLResponse(DOCS_PAGE)
