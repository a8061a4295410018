"""``/api/v1/auth``: registration and login."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import usage
from ..auth import hash_password, verify_password
from ..deps import get_runtime, get_session, raw_json
from ..models import Subscription, Usage, User, new_id, utcnow
from ..problems import ProblemError
from ..runtime import Runtime, iso
from ..validation import credentials_problems, require_object

router = APIRouter(prefix="/api/v1/auth")


def user_json(user: User) -> dict[str, Any]:
    """The public view of a user."""
    return {"id": user.id, "email": user.email, "created_at": iso(user.created_at)}


@router.post("/register", status_code=201)
def register(
    payload: Any = Depends(raw_json),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> JSONResponse:
    """Create an account (201), 409 when the email exists, 422 for a bad email or short password."""
    email, password, problems = credentials_problems(payload)
    if problems:
        if runtime.faults.on("register_accepts_empty"):
            fake = {"id": str(uuid.uuid4()), "email": email, "created_at": iso(utcnow())}
            return JSONResponse(fake, status_code=201)
        raise ProblemError(422, " ".join(problems))
    existing = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if existing is not None:
        if runtime.faults.on("register_allows_duplicate"):
            return JSONResponse(user_json(existing), status_code=201)
        raise ProblemError(409, "An account with this email already exists.")
    user = User(id=new_id(), email=email, password_hash=hash_password(password), created_at=utcnow())
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ProblemError(409, "An account with this email already exists.") from None
    start, _ = usage.period_of()
    session.add(
        Subscription(user_id=user.id, plan="free", status="active", renews_at=dt.date.today() + dt.timedelta(days=30))
    )
    session.add(
        Usage(user_id=user.id, period_start=start, requests=0, lattices_created=0, paths_computed=0, webhooks_sent=0)
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ProblemError(409, "An account with this email already exists.") from None
    return JSONResponse(user_json(user), status_code=201)


@router.post("/login")
def login(
    payload: Any = Depends(raw_json),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """Exchange credentials for a bearer token; 401 (same body) for any wrong credentials."""
    body = require_object(payload)
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        raise ProblemError(422, "'email' and 'password' are required strings.")
    user = session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if not verify_password(user.password_hash if user else None, password) or user is None:
        if runtime.faults.on("login_500"):
            raise ProblemError(500, "The server could not process the request.")
        raise ProblemError(401, "Invalid email or password.", headers={"WWW-Authenticate": "Bearer"})
    answer: dict[str, Any] = {
        "access_token": runtime.tokens.issue(user.id),
        "token_type": "bearer",
        "expires_in": runtime.settings.token_ttl_seconds,
    }
    if runtime.faults.on("login_no_expiry"):
        del answer["expires_in"]
    return answer
