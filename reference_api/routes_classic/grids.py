"""Classic ``/grids``: CRUD, batch operations and routes (the core's lattices and pathfinding)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from ..deps import Page, UserCtx, raw_json, requested_page, user_context
from ..problems import renamed
from ..services import lattices as core

router = APIRouter(prefix="/grids")
#: The core's words as the classic dialect says them.
GRID = {"lattice": "grid"}


@router.post("")
def create_grid(payload: Any = Depends(raw_json), ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """Create one grid (200 ``{"grid"}``; 400 for invalid fields)."""
    return {"grid": core.create(ctx, payload)}


@router.get("")
def list_grids(page: Page = Depends(requested_page), ctx: UserCtx = Depends(user_context)) -> list[dict[str, Any]]:
    """The caller's grids, oldest first, paginated, as a bare array."""
    rows, _ = core.listing(ctx, page)
    return [core.lattice_view(r) for r in rows]


@router.post("/batch")
def batch_create(payload: Any = Depends(raw_json), ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """Create several grids, all or nothing (200 ``{"created": [ids]}``)."""
    with renamed(GRID):
        return {"created": core.bulk_create(ctx, payload, field="grids")}


@router.post("/batch-delete")
def batch_delete(payload: Any = Depends(raw_json), ctx: UserCtx = Depends(user_context)) -> dict[str, int]:
    """Delete the caller's grids among ``ids`` (200 ``{"removed": N}``)."""
    with renamed(GRID):
        return {"removed": core.bulk_delete(ctx, payload)}


@router.get("/{id}")
def get_grid(id: str, ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """One of the caller's grids (404 if absent or someone else's)."""
    with renamed(GRID):
        return {"grid": core.lattice_view(core.read(ctx, id))}


@router.delete("/{id}")
def delete_grid(id: str, ctx: UserCtx = Depends(user_context)) -> dict[str, str]:
    """Delete one of the caller's grids (200 ``{"deleted": id}``)."""
    with renamed(GRID):
        core.delete(ctx, id)
    return {"deleted": id}


@router.post("/{id}/route")
def route(id: str, payload: Any = Depends(raw_json), ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """A shortest route between two free cells (200 ``{"route"}``; ``found: false`` when unreachable)."""
    with renamed(GRID):
        answer = core.find_path(ctx, id, payload, labels=("from", "to"))
    return {"route": {"found": answer.path is not None, "cells": answer.path or [], "length": answer.distance}}
