"""Lean ``/lattices``: create, list, delete, and paths as vertex indices (hypercubes given as rank and size)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from ..deps import UserCtx, raw_json, user_context
from ..services import lattices as core
from ..validation import RANK_AND_SIZE

router = APIRouter(prefix="/lattices")


def vertex_index(cell: Sequence[int], dims: Sequence[int]) -> int:
    """The row-major index of ``cell`` (the last coordinate varies fastest)."""
    index = 0
    for coordinate, size in zip(cell, dims, strict=True):
        index = index * size + coordinate
    return index


@router.post("", status_code=201)
def create_lattice(payload: Any = Depends(raw_json), ctx: UserCtx = Depends(user_context)) -> JSONResponse:
    """Create a hypercubic lattice ``{"name", "rank", "size", "blocked"}`` (201); 422 for invalid fields."""
    return JSONResponse(core.create(ctx, payload, RANK_AND_SIZE), status_code=201)


@router.get("")
def list_lattices(
    limit: int = Query(50, ge=1, le=core.MAX_PAGE),
    offset: int = Query(0, ge=0),
    ctx: UserCtx = Depends(user_context),
) -> dict[str, Any]:
    """A page of the caller's lattices, oldest first, and how many the caller has (``count``)."""
    rows, total = core.listing(ctx, limit, offset)
    return {"results": [core.lattice_view(r, RANK_AND_SIZE) for r in rows], "count": total}


@router.delete("/{id}", status_code=204)
def delete_lattice(id: str, ctx: UserCtx = Depends(user_context)) -> Response:
    """Delete one of the caller's lattices (404 if absent or someone else's)."""
    core.delete(ctx, id)
    return Response(status_code=204)


@router.post("/{id}/path")
def path(id: str, payload: Any = Depends(raw_json), ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """A shortest path ``{"path": [vertex indices], "distance": float}``; none: ``{"path": [], "distance": null}``."""
    answer = core.find_path(ctx, id, payload, labels=("source", "target"))
    if answer.path is None or answer.distance is None:
        return {"path": [], "distance": None}
    return {"path": [vertex_index(c, answer.dimensions) for c in answer.path], "distance": float(answer.distance)}
