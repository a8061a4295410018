"""FastAPI dependencies: one request's context (runtime, database session, the caller) and JSON bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from . import usage
from .auth import bearer_token
from .faults import Faults
from .models import User
from .problems import FieldProblem, ProblemError
from .runtime import Runtime

AUTH_HEADERS = {"WWW-Authenticate": "Bearer"}
#: The largest page of a listing.
MAX_PAGE = 500


@dataclass
class Ctx:
    """What an operation works with: the running service and this request's database session."""

    runtime: Runtime
    session: Session

    @property
    def faults(self) -> Faults:
        """The service's enabled faults."""
        return self.runtime.faults


@dataclass
class UserCtx(Ctx):
    """A context whose caller holds a valid bearer token."""

    user: User


@dataclass(frozen=True)
class Page:
    """Which part of a listing is asked for (``?limit=&offset=``)."""

    limit: int
    offset: int


def requested_page(limit: int = Query(50, ge=1, le=MAX_PAGE), offset: int = Query(0, ge=0)) -> Page:
    """The page a listing request asks for (422 for a limit outside 1..500 or a negative offset)."""
    return Page(limit, offset)


def get_runtime(request: Request) -> Runtime:
    """The running service's shared objects."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def context(runtime: Runtime = Depends(get_runtime)) -> Iterator[Ctx]:
    """An anonymous request's context (its session is closed after the answer)."""
    session = runtime.db.session()
    try:
        yield Ctx(runtime, session)
    finally:
        session.close()


def user_context(request: Request, ctx: Ctx = Depends(context)) -> UserCtx:
    """The context of a caller with a valid bearer token (401 otherwise); counts the request in the usage."""
    runtime, session = ctx.runtime, ctx.session
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise ProblemError(401, "A bearer token is required.", headers=AUTH_HEADERS)
    user_id = runtime.tokens.subject(token)
    user = session.get(User, user_id) if user_id else None
    if user is None:
        raise ProblemError(401, "The bearer token is invalid or expired.", headers=AUTH_HEADERS)
    usage.ensure_row(runtime.db, runtime.usage_rows, user.id)
    usage.bump(session, user.id, runtime.faults, requests=1)
    session.commit()
    return UserCtx(runtime, session, user)


async def raw_json(request: Request) -> Any:
    """The request body parsed as JSON (``None`` when empty); 400 for malformed JSON."""
    body = await request.body()
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        message = "The request body is not valid JSON."
        raise ProblemError(400, message, problems=[FieldProblem(("body",), message, "json_invalid")]) from None
