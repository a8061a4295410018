"""``/api/v1/lattices``: CRUD, bulk operations and pathfinding."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from ..deps import Page, UserCtx, raw_json, requested_page, user_context
from ..services import lattices as core

router = APIRouter(prefix="/api/v1/lattices")


@router.post("", status_code=201)
def create_lattice(payload: Any = Depends(raw_json), ctx: UserCtx = Depends(user_context)) -> JSONResponse:
    """Create one lattice (422 for invalid fields or a cell count over the plan's limit)."""
    return JSONResponse(core.create(ctx, payload), status_code=201)


@router.get("")
def list_lattices(page: Page = Depends(requested_page), ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """The caller's lattices, oldest first, paginated, with the caller's total."""
    rows, total = core.listing(ctx, page)
    return {"items": [core.lattice_view(r) for r in rows], "total": total}


@router.post("/bulk", status_code=201)
def bulk_create(payload: Any = Depends(raw_json), ctx: UserCtx = Depends(user_context)) -> JSONResponse:
    """Create up to the plan's ``bulk_max`` lattices, all or nothing."""
    return JSONResponse({"ids": core.bulk_create(ctx, payload)}, status_code=201)


@router.post("/bulk-delete")
def bulk_delete(payload: Any = Depends(raw_json), ctx: UserCtx = Depends(user_context)) -> dict[str, int]:
    """Delete the caller's lattices among ``ids`` (others are ignored)."""
    return {"deleted": core.bulk_delete(ctx, payload)}


@router.get("/{id}")
def get_lattice(id: str, ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """One of the caller's lattices (404 if absent or someone else's)."""
    return core.lattice_view(core.read(ctx, id))


@router.delete("/{id}", status_code=204)
def delete_lattice(id: str, ctx: UserCtx = Depends(user_context)) -> Response:
    """Delete one of the caller's lattices (404 if absent or someone else's)."""
    core.delete(ctx, id)
    return Response(status_code=204)


@router.post("/{id}/pathfind")
def pathfind(id: str, payload: Any = Depends(raw_json), ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """A shortest path between two free cells (``found: false`` when unreachable)."""
    answer = core.find_path(ctx, id, payload)
    return {
        "found": answer.path is not None,
        "path": answer.path or [],
        "distance": answer.distance,
        "elapsed_ms": answer.elapsed_ms,
    }
