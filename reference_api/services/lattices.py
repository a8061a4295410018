"""Lattices: create, list, read, delete, bulk operations and shortest paths."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete as delete_rows
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import events, usage
from ..deps import Page, UserCtx
from ..models import Lattice, new_id, utcnow
from ..pathfinding import add_detour, shortest_path
from ..problems import FieldProblem, ProblemError, invalid
from ..runtime import iso
from ..validation import DIMENSIONS, LatticeShape, LatticeSpec, cell_problem, int_list, lattice_problems, require_object
from .billing import plan_of

MAX_BULK_DELETE = 1000
NOT_FOUND = "No lattice with this id."


def lattice_view(row: Lattice, shape: LatticeShape = DIMENSIONS) -> dict[str, Any]:
    """The public view of a lattice, its size as ``shape`` names it."""
    return {
        "id": row.id,
        "name": row.name,
        **shape.render(int_list(row.dimensions) or []),
        "blocked": row.blocked,
        "created_at": iso(row.created_at),
    }


def _new_row(ctx: UserCtx, spec: LatticeSpec) -> Lattice:
    blocked = [] if ctx.faults.on("lattice_drops_blocked") else spec.blocked
    return Lattice(
        id=new_id(),
        owner_id=ctx.user.id,
        name=spec.name,
        dimensions=spec.dimensions,
        blocked=blocked,
        created_at=utcnow(),
    )


def owned(session: Session, owner_id: str, lattice_id: str) -> Lattice:
    """The owner's lattice ``lattice_id`` (404 if absent or someone else's)."""
    row = session.get(Lattice, lattice_id)
    if row is None or row.owner_id != owner_id:
        raise ProblemError(404, NOT_FOUND)
    return row


def _count(session: Session, owner_id: str | None) -> int:
    query = select(func.count()).select_from(Lattice)
    if owner_id is not None:
        query = query.where(Lattice.owner_id == owner_id)
    return int(session.execute(query).scalar_one())


def _store(ctx: UserCtx, specs: list[LatticeSpec]) -> list[Lattice]:
    rows = [_new_row(ctx, spec) for spec in specs]
    ctx.session.add_all(rows)
    usage.bump(ctx.session, ctx.user.id, ctx.faults, lattices_created=len(rows))
    ctx.session.commit()
    ctx.runtime.metrics.lattices_created.inc(len(rows))
    events.publish(ctx.runtime, ctx.session, ctx.user.id, "lattice.created", [lattice_view(r) for r in rows])
    return rows


def create(ctx: UserCtx, payload: Any, shape: LatticeShape = DIMENSIONS) -> dict[str, Any]:
    """Create one lattice (422 for invalid fields or too many cells for the plan); its view echoes the request."""
    plan = plan_of(ctx.session, ctx.user.id)
    spec, problems = lattice_problems(payload, plan.limits.max_cells, ctx.faults, shape)
    if problems or spec is None:
        if ctx.faults.on("error_leaves_data") and spec is not None:
            ctx.session.add(_new_row(ctx, spec))
            ctx.session.commit()
        raise invalid(problems)
    if _count(ctx.session, ctx.user.id) >= plan.limits.max_lattices:
        raise invalid([FieldProblem(("body",), f"your plan allows at most {plan.limits.max_lattices} lattices.")])
    (row,) = _store(ctx, [spec])
    return {**lattice_view(row, shape), "blocked": spec.blocked}


def listing(ctx: UserCtx, page: Page) -> tuple[list[Lattice], int]:
    """A page of the caller's lattices, oldest first, and how many the caller has."""
    query = select(Lattice)
    if not ctx.faults.on("tenant_leak_listing"):
        query = query.where(Lattice.owner_id == ctx.user.id)
    query = query.order_by(Lattice.created_at, Lattice.id).limit(page.limit).offset(page.offset)
    rows = ctx.session.execute(query).scalars()
    total = _count(ctx.session, None if ctx.faults.on("tenant_leak_count") else ctx.user.id)
    return list(rows), total


def read(ctx: UserCtx, lattice_id: str) -> Lattice:
    """One of the caller's lattices (404 if absent or someone else's)."""
    if ctx.faults.on("tenant_leak"):
        row = ctx.session.get(Lattice, lattice_id)
        if row is None:
            raise ProblemError(404, NOT_FOUND)
        return row
    return owned(ctx.session, ctx.user.id, lattice_id)


def delete(ctx: UserCtx, lattice_id: str) -> None:
    """Delete one of the caller's lattices (404 if absent or someone else's)."""
    ctx.session.delete(owned(ctx.session, ctx.user.id, lattice_id))
    ctx.session.commit()
    events.publish(ctx.runtime, ctx.session, ctx.user.id, "lattice.deleted", [{"id": lattice_id}])


def _bulk_slow(ctx: UserCtx) -> None:
    if ctx.faults.on("bulk_slow"):
        time.sleep(ctx.runtime.settings.bulk_slow_ms / 1000)


def bulk_create(ctx: UserCtx, payload: Any, field: str = "lattices") -> list[str]:
    """Create the lattices of the body's list ``field``, up to the plan's ``bulk_max``, all or nothing."""
    _bulk_slow(ctx)
    items = require_object(payload).get(field)
    plan = plan_of(ctx.session, ctx.user.id)
    if not isinstance(items, list) or not items:
        raise invalid([FieldProblem(("body", field), f"'{field}' must be a non-empty list of lattices.")])
    if len(items) > plan.limits.bulk_max:
        message = f"at most {plan.limits.bulk_max} lattices per bulk request on your plan."
        raise invalid([FieldProblem(("body", field), message)])
    specs: list[LatticeSpec] = []
    problems: list[FieldProblem] = []
    for i, item in enumerate(items):
        spec, item_problems = lattice_problems(item, plan.limits.max_cells, ctx.faults)
        if item_problems or spec is None:
            problems += [
                FieldProblem(("body", field, i, *p.loc[1:]), f"{field}[{i}]: {p.message}") for p in item_problems
            ]
        else:
            specs.append(spec)
    if problems:
        if ctx.faults.on("bulk_partial") and specs:
            _store(ctx, specs)
        raise invalid(problems, prefix="Nothing was created. ")
    if _count(ctx.session, ctx.user.id) + len(specs) > plan.limits.max_lattices:
        raise invalid([FieldProblem(("body", field), f"your plan allows at most {plan.limits.max_lattices} lattices.")])
    return [row.id for row in _store(ctx, specs)]


def bulk_delete(ctx: UserCtx, payload: Any) -> int:
    """Delete the caller's lattices among the body's ``ids`` (others are ignored); how many were."""
    _bulk_slow(ctx)
    ids = require_object(payload).get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise invalid([FieldProblem(("body", "ids"), "'ids' must be a list of lattice ids.")])
    if len(ids) > MAX_BULK_DELETE:
        raise invalid([FieldProblem(("body", "ids"), f"at most {MAX_BULK_DELETE} ids per bulk delete.")])
    mine = select(Lattice.id).where(Lattice.owner_id == ctx.user.id, Lattice.id.in_(set(ids)))
    found = list(ctx.session.execute(mine).scalars()) if ids else []
    if found and not ctx.faults.on("bulk_delete_keeps_rows"):
        ctx.session.execute(delete_rows(Lattice).where(Lattice.owner_id == ctx.user.id, Lattice.id.in_(found)))
    ctx.session.commit()
    events.publish(ctx.runtime, ctx.session, ctx.user.id, "lattice.deleted", [{"id": i} for i in found])
    return len(found)


@dataclass(frozen=True)
class PathAnswer:
    """A shortest path as cells (None when there is none), its length, and the lattice's dimensions."""

    path: list[list[int]] | None
    distance: int | None
    elapsed_ms: float
    dimensions: list[int]


def find_path(ctx: UserCtx, lattice_id: str, payload: Any, labels: tuple[str, str] = ("start", "end")) -> PathAnswer:
    """A shortest path between the free cells named by the body's fields ``labels`` (422 for a bad one)."""
    row = owned(ctx.session, ctx.user.id, lattice_id)
    body = require_object(payload)
    dims = int_list(row.dimensions) or []
    stored_blocked = [c for c in (row.blocked or []) if isinstance(c, list)]
    blocked_set = {tuple(c) for c in stored_blocked}
    problems = [p for p in (cell_problem(label, body.get(label), dims, blocked_set) for label in labels) if p]
    if problems:
        raise invalid(problems)
    start, end = (list(body[label]) for label in labels)
    search_blocked = [] if ctx.faults.on("path_through_blocked") else stored_blocked
    started = time.perf_counter()
    path = shortest_path(dims, search_blocked, start, end).path
    if path is not None and ctx.faults.on("path_not_shortest"):
        path = add_detour(path, dims, search_blocked)
    elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
    usage.bump(ctx.session, ctx.user.id, ctx.faults, paths_computed=1)
    ctx.session.commit()
    ctx.runtime.metrics.paths_computed.inc()
    distance = None if path is None else len(path) - (0 if ctx.faults.on("path_wrong_distance") else 1)
    event = {"lattice_id": lattice_id, "start": start, "end": end, "found": path is not None, "distance": distance}
    events.publish(ctx.runtime, ctx.session, ctx.user.id, "path.computed", [event])
    return PathAnswer(path, distance, elapsed_ms, dims)
