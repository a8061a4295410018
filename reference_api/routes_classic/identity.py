"""Classic ``/auth/signup``, ``/auth/session`` and ``/account``."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from ..deps import current_user, get_runtime, get_session, raw_json
from ..models import Profile, User, utcnow
from ..problems import ProblemError
from ..routes import auth, users
from ..runtime import Runtime, iso
from ..validation import MAX_NAME, credentials_problems

router = APIRouter()


def display_name_problem(body: Any) -> str | None:
    """Why the body's ``display_name`` is unusable, or None."""
    name = body.get("display_name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name.strip():
        return "'display_name' is required and must be a non-empty string."
    if len(name) > MAX_NAME:
        return f"'display_name' must be at most {MAX_NAME} characters long."
    return None


def classic_user(user_id: str, email: str, created_at: str | None, display_name: str) -> dict[str, Any]:
    """The ``{"user": ...}`` document."""
    return {"user": {"id": user_id, "email": email, "display_name": display_name, "created_at": created_at}}


def display_name_of(session: Session, user_id: str) -> str:
    """The user's display name ("" for an account created through the contract dialect)."""
    profile = session.get(Profile, user_id)
    return profile.display_name if profile else ""


@router.post("/auth/signup")
def signup(
    payload: Any = Depends(raw_json),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """Create an account (200 ``{"user"}``); 400 for a missing field, a bad email or a duplicate."""
    name_problem = display_name_problem(payload)
    if name_problem:
        email, _, problems = credentials_problems(payload)
        if runtime.faults.on("register_accepts_empty"):
            return classic_user(str(uuid4()), email, iso(utcnow()), "")
        raise ProblemError(422, " ".join([*problems, name_problem]))
    display_name = payload["display_name"].strip()
    created = json.loads(auth.register(payload, session, runtime).body)
    if session.get(Profile, created["id"]) is None and session.get(User, created["id"]) is not None:
        session.add(Profile(user_id=created["id"], display_name=display_name))
        session.commit()
    return classic_user(
        created["id"], created["email"], created["created_at"], display_name_of(session, created["id"]) or display_name
    )


@router.post("/auth/session")
def open_session(
    payload: Any = Depends(raw_json),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """Exchange credentials for a bearer token (200 ``{"session"}``); 401 for wrong credentials."""
    answer = auth.login(payload, session, runtime)
    issued: dict[str, Any] = {"token": answer["access_token"], "token_type": answer["token_type"]}
    if "expires_in" in answer:
        issued["expires_in"] = answer["expires_in"]
    return {"session": issued}


@router.get("/account")
def account(user: User = Depends(current_user), session: Session = Depends(get_session)) -> dict[str, Any]:
    """The calling user (200 ``{"user"}``)."""
    return classic_user(user.id, user.email, iso(user.created_at), display_name_of(session, user.id))


@router.delete("/account")
def delete_account(
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, bool]:
    """Delete the user and everything they own (200 ``{"deleted": true}``)."""
    users.delete_me(user, session, runtime)
    return {"deleted": True}
