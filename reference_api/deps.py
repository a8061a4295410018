"""FastAPI dependencies: runtime, database session, the authenticated user, JSON bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from . import usage
from .auth import bearer_token
from .models import User
from .problems import ProblemError
from .runtime import Runtime

AUTH_HEADERS = {"WWW-Authenticate": "Bearer"}


def get_runtime(request: Request) -> Runtime:
    """The running service's shared objects."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_session(runtime: Runtime = Depends(get_runtime)) -> Iterator[Session]:
    """A database session for one request."""
    session = runtime.db.session()
    try:
        yield session
    finally:
        session.close()


def current_user(
    request: Request,
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> User:
    """The user of a valid bearer token (401 otherwise); counts the request in the usage."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise ProblemError(401, "A bearer token is required.", headers=AUTH_HEADERS)
    user_id = runtime.tokens.subject(token)
    user = session.get(User, user_id) if user_id else None
    if user is None:
        raise ProblemError(401, "The bearer token is invalid or expired.", headers=AUTH_HEADERS)
    usage.ensure_row(runtime.db, user.id)
    usage.bump(session, user.id, runtime.faults, requests=1)
    session.commit()
    return user


async def raw_json(request: Request) -> Any:
    """The request body parsed as JSON (``None`` when empty); 400 for malformed JSON."""
    body = await request.body()
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ProblemError(400, "The request body is not valid JSON.") from None
