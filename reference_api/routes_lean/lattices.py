"""Lean ``/lattices``: create, list, delete, and paths as vertex indices (hypercubes given as rank and size).

The delete answers as the contract's does: the contract's handler serves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from ..deps import Page, UserCtx, raw_json, requested_page, user_context
from ..routes import lattices
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
def list_lattices(page: Page = Depends(requested_page), ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """A page of the caller's lattices, oldest first, and how many the caller has (``count``)."""
    rows, total = core.listing(ctx, page)
    return {"results": [core.lattice_view(r, RANK_AND_SIZE) for r in rows], "count": total}


router.add_api_route("/{id}", lattices.delete_lattice, methods=["DELETE"], status_code=204)


@router.post("/{id}/path")
def path(id: str, payload: Any = Depends(raw_json), ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """A shortest path ``{"path": [vertex indices], "distance": float}``; none: ``{"path": [], "distance": null}``."""
    answer = core.find_path(ctx, id, payload, labels=("source", "target"))
    if answer.path is None or answer.distance is None:
        return {"path": [], "distance": None}
    return {"path": [vertex_index(c, answer.dimensions) for c in answer.path], "distance": float(answer.distance)}
