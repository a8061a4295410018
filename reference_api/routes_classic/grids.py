"""Classic ``/grids``: CRUD, batch operations and routes (the core's lattices and pathfinding)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from ..deps import current_user, get_runtime, get_session, raw_json
from ..models import User
from ..problems import ProblemError
from ..routes import lattices
from ..runtime import Runtime

router = APIRouter(prefix="/grids")


@contextmanager
def renamed(words: dict[str, str]) -> Iterator[None]:
    """Re-raise the core's errors with its field names replaced by the classic ones."""
    try:
        yield
    except ProblemError as exc:
        detail = exc.detail
        for core, classic in words.items():
            detail = detail.replace(core, classic)
        raise ProblemError(exc.status, detail, title=exc.title, headers=exc.headers) from None


def _renamed_fields(payload: Any, names: dict[str, str]) -> Any:
    """``payload`` with its classic keys renamed to the core's (non-objects unchanged)."""
    if not isinstance(payload, dict):
        return payload
    return {names.get(k, k): v for k, v in payload.items() if k not in names.values()}


@router.post("")
def create_grid(
    payload: Any = Depends(raw_json),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """Create one grid (200 ``{"grid"}``; 400 for invalid fields)."""
    return {"grid": json.loads(lattices.create_lattice(payload, user, session, runtime).body)}


@router.get("")
def list_grids(
    limit: int = Query(50, ge=1, le=lattices.MAX_PAGE),
    offset: int = Query(0, ge=0),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> list[dict[str, Any]]:
    """The caller's grids, oldest first, paginated, as a bare array."""
    items: list[dict[str, Any]] = lattices.list_lattices(limit, offset, user, session, runtime)["items"]
    return items


@router.post("/batch")
def batch_create(
    payload: Any = Depends(raw_json),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """Create several grids, all or nothing (200 ``{"created": [ids]}``)."""
    with renamed({"lattice": "grid"}):
        answer = lattices.bulk_create(_renamed_fields(payload, {"grids": "lattices"}), user, session, runtime)
    return {"created": json.loads(answer.body)["ids"]}


@router.post("/batch-delete")
def batch_delete(
    payload: Any = Depends(raw_json),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, int]:
    """Delete the caller's grids among ``ids`` (200 ``{"removed": N}``)."""
    with renamed({"lattice": "grid"}):
        return {"removed": lattices.bulk_delete(payload, user, session, runtime)["deleted"]}


@router.get("/{id}")
def get_grid(
    id: str,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """One of the caller's grids (404 if absent or someone else's)."""
    with renamed({"lattice": "grid"}):
        return {"grid": lattices.get_lattice(id, user, session, runtime)}


@router.delete("/{id}")
def delete_grid(
    id: str,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, str]:
    """Delete one of the caller's grids (200 ``{"deleted": id}``)."""
    with renamed({"lattice": "grid"}):
        lattices.delete_lattice(id, user, session, runtime)
    return {"deleted": id}


@router.post("/{id}/route")
def route(
    id: str,
    payload: Any = Depends(raw_json),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """A shortest route between two free cells (200 ``{"route"}``; ``found: false`` when unreachable)."""
    with renamed({"'start'": "'from'", "'end'": "'to'", "lattice": "grid"}):
        answer = lattices.pathfind(id, _renamed_fields(payload, {"from": "start", "to": "end"}), user, session, runtime)
    return {"route": {"found": answer["found"], "cells": answer["path"], "length": answer["distance"]}}
