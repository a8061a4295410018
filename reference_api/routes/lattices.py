"""``/api/v1/lattices``: CRUD, bulk operations and pathfinding."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .. import events, usage
from ..deps import current_user, get_runtime, get_session, raw_json
from ..models import Lattice, User, new_id, utcnow
from ..pathfinding import add_detour, shortest_path
from ..problems import ProblemError
from ..runtime import Runtime, iso
from ..validation import LatticeSpec, cell_problems, int_list, lattice_problems, require_object
from .account import plan_of

router = APIRouter(prefix="/api/v1/lattices")
MAX_PAGE = 500
MAX_BULK_DELETE = 1000


def lattice_json(row: Lattice) -> dict[str, Any]:
    """The public view of a lattice."""
    return {
        "id": row.id,
        "name": row.name,
        "dimensions": row.dimensions,
        "blocked": row.blocked,
        "created_at": iso(row.created_at),
    }


def _new_row(owner_id: str, spec: LatticeSpec, runtime: Runtime) -> Lattice:
    blocked = [] if runtime.faults.on("lattice_drops_blocked") else spec.blocked
    return Lattice(
        id=new_id(), owner_id=owner_id, name=spec.name, dimensions=spec.dimensions, blocked=blocked, created_at=utcnow()
    )


def _owned(session: Session, owner_id: str, lattice_id: str) -> Lattice:
    row = session.get(Lattice, lattice_id)
    if row is None or row.owner_id != owner_id:
        raise ProblemError(404, "No lattice with this id.")
    return row


def _count(session: Session, owner_id: str) -> int:
    return int(
        session.execute(select(func.count()).select_from(Lattice).where(Lattice.owner_id == owner_id)).scalar_one()
    )


def _created(runtime: Runtime, session: Session, user: User, rows: list[Lattice]) -> None:
    usage.bump(session, user.id, runtime.faults, lattices_created=len(rows))
    session.commit()
    runtime.metrics.lattices_created.inc(len(rows))
    events.publish(runtime, session, user.id, "lattice.created", [lattice_json(r) for r in rows])


@router.post("", status_code=201)
def create_lattice(
    payload: Any = Depends(raw_json),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> JSONResponse:
    """Create one lattice (422 for invalid fields or a cell count over the plan's limit)."""
    plan = plan_of(session, user.id)
    spec, problems = lattice_problems(payload, plan.limits.max_cells, runtime.faults)
    if problems or spec is None:
        if runtime.faults.on("error_leaves_data") and spec is not None:
            session.add(_new_row(user.id, spec, runtime))
            session.commit()
        raise ProblemError(422, " ".join(problems))
    if _count(session, user.id) >= plan.limits.max_lattices:
        raise ProblemError(422, f"your plan allows at most {plan.limits.max_lattices} lattices.")
    row = _new_row(user.id, spec, runtime)
    session.add(row)
    answer = lattice_json(row)
    answer["blocked"] = spec.blocked  # the answer echoes the request
    _created(runtime, session, user, [row])
    return JSONResponse(answer, status_code=201)


@router.get("")
def list_lattices(
    limit: int = Query(50, ge=1, le=MAX_PAGE),
    offset: int = Query(0, ge=0),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """The caller's lattices, oldest first, paginated."""
    query = select(Lattice)
    if not runtime.faults.on("tenant_leak_listing"):
        query = query.where(Lattice.owner_id == user.id)
    rows = session.execute(query.order_by(Lattice.created_at, Lattice.id).limit(limit).offset(offset)).scalars()
    if runtime.faults.on("tenant_leak_count"):
        total = int(session.execute(select(func.count()).select_from(Lattice)).scalar_one())
    else:
        total = _count(session, user.id)
    return {"items": [lattice_json(r) for r in rows], "total": total}


@router.post("/bulk", status_code=201)
def bulk_create(
    payload: Any = Depends(raw_json),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> JSONResponse:
    """Create up to the plan's ``bulk_max`` lattices, all or nothing."""
    if runtime.faults.on("bulk_slow"):
        time.sleep(runtime.settings.bulk_slow_ms / 1000)
    items = require_object(payload).get("lattices")
    plan = plan_of(session, user.id)
    if not isinstance(items, list) or not items:
        raise ProblemError(422, "'lattices' must be a non-empty list of lattices.")
    if len(items) > plan.limits.bulk_max:
        raise ProblemError(422, f"at most {plan.limits.bulk_max} lattices per bulk request on your plan.")
    specs: list[LatticeSpec] = []
    problems: list[str] = []
    for i, item in enumerate(items):
        spec, item_problems = lattice_problems(item, plan.limits.max_cells, runtime.faults)
        if item_problems or spec is None:
            problems.extend(f"lattices[{i}]: {p}" for p in item_problems)
        else:
            specs.append(spec)
    if problems:
        if runtime.faults.on("bulk_partial") and specs:
            rows = [_new_row(user.id, s, runtime) for s in specs]
            session.add_all(rows)
            _created(runtime, session, user, rows)
        raise ProblemError(422, "Nothing was created. " + " ".join(problems))
    if _count(session, user.id) + len(specs) > plan.limits.max_lattices:
        raise ProblemError(422, f"your plan allows at most {plan.limits.max_lattices} lattices.")
    rows = [_new_row(user.id, s, runtime) for s in specs]
    session.add_all(rows)
    _created(runtime, session, user, rows)
    return JSONResponse({"ids": [r.id for r in rows]}, status_code=201)


@router.post("/bulk-delete")
def bulk_delete(
    payload: Any = Depends(raw_json),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, int]:
    """Delete the caller's lattices among ``ids`` (others are ignored)."""
    if runtime.faults.on("bulk_slow"):
        time.sleep(runtime.settings.bulk_slow_ms / 1000)
    ids = require_object(payload).get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ProblemError(422, "'ids' must be a list of lattice ids.")
    if len(ids) > MAX_BULK_DELETE:
        raise ProblemError(422, f"at most {MAX_BULK_DELETE} ids per bulk delete.")
    owned = (
        list(session.execute(select(Lattice.id).where(Lattice.owner_id == user.id, Lattice.id.in_(set(ids)))).scalars())
        if ids
        else []
    )
    if owned and not runtime.faults.on("bulk_delete_keeps_rows"):
        session.execute(delete(Lattice).where(Lattice.owner_id == user.id, Lattice.id.in_(owned)))
    session.commit()
    events.publish(runtime, session, user.id, "lattice.deleted", [{"id": i} for i in owned])
    return {"deleted": len(owned)}


@router.get("/{id}")
def get_lattice(
    id: str,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """One of the caller's lattices (404 if absent or someone else's)."""
    if runtime.faults.on("tenant_leak"):
        row = session.get(Lattice, id)
        if row is None:
            raise ProblemError(404, "No lattice with this id.")
        return lattice_json(row)
    return lattice_json(_owned(session, user.id, id))


@router.delete("/{id}", status_code=204)
def delete_lattice(
    id: str,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    """Delete one of the caller's lattices."""
    row = _owned(session, user.id, id)
    session.delete(row)
    session.commit()
    events.publish(runtime, session, user.id, "lattice.deleted", [{"id": id}])
    return Response(status_code=204)


@router.post("/{id}/pathfind")
def pathfind(
    id: str,
    payload: Any = Depends(raw_json),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """A shortest path between two free cells (``found: false`` when unreachable)."""
    row = _owned(session, user.id, id)
    body = require_object(payload)
    dims = int_list(row.dimensions) or []
    stored_blocked = [c for c in (row.blocked or []) if isinstance(c, list)]
    blocked_set = {tuple(c) for c in stored_blocked}
    problems = [
        p
        for p in (
            cell_problems("start", body.get("start"), dims, blocked_set),
            cell_problems("end", body.get("end"), dims, blocked_set),
        )
        if p
    ]
    if problems:
        raise ProblemError(422, " ".join(problems))
    start, end = list(body["start"]), list(body["end"])
    search_blocked = [] if runtime.faults.on("path_through_blocked") else stored_blocked
    started = time.perf_counter()
    path = shortest_path(dims, search_blocked, start, end).path
    if path is not None and runtime.faults.on("path_not_shortest"):
        path = add_detour(path, dims, search_blocked)
    elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
    usage.bump(session, user.id, runtime.faults, paths_computed=1)
    session.commit()
    runtime.metrics.paths_computed.inc()
    if path is None:
        answer: dict[str, Any] = {"found": False, "path": [], "distance": None, "elapsed_ms": elapsed_ms}
    else:
        distance = len(path) if runtime.faults.on("path_wrong_distance") else len(path) - 1
        answer = {"found": True, "path": path, "distance": distance, "elapsed_ms": elapsed_ms}
    events.publish(
        runtime,
        session,
        user.id,
        "path.computed",
        [{"lattice_id": id, "start": start, "end": end, "found": answer["found"], "distance": answer["distance"]}],
    )
    return answer
