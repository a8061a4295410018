"""Classic ``/auth/signup``, ``/auth/session`` and ``/account``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from ..deps import Ctx, UserCtx, context, raw_json, user_context
from ..problems import FieldProblem
from ..services import accounts
from ..validation import MAX_NAME

router = APIRouter()


def display_name_problem(body: Any) -> FieldProblem | None:
    """Why the body's ``display_name`` is unusable, or None."""
    name = body.get("display_name") if isinstance(body, dict) else None
    loc = ("body", "display_name")
    if not isinstance(name, str) or not name.strip():
        return FieldProblem(loc, "'display_name' is required and must be a non-empty string.")
    if len(name) > MAX_NAME:
        return FieldProblem(loc, f"'display_name' must be at most {MAX_NAME} characters long.")
    return None


def classic_user(account: accounts.Account, display_name: str) -> dict[str, Any]:
    """The ``{"user": ...}`` document."""
    return {"user": {**account.to_json(), "display_name": display_name}}


@router.post("/auth/signup")
def signup(payload: Any = Depends(raw_json), ctx: Ctx = Depends(context)) -> dict[str, Any]:
    """Create an account (200 ``{"user"}``); 400 for a missing field, a bad email or a duplicate."""
    problem = display_name_problem(payload)
    name = "" if problem else str(payload["display_name"]).strip()
    account = accounts.register(ctx, payload, [problem] if problem else [], display_name=name)
    return classic_user(account, accounts.display_name_of(ctx.session, account.id) or name)


@router.post("/auth/session")
def open_session(payload: Any = Depends(raw_json), ctx: Ctx = Depends(context)) -> dict[str, Any]:
    """Exchange credentials for a bearer token (200 ``{"session"}``); 401 for wrong credentials."""
    answer = accounts.login(ctx, payload)
    issued = {"token": answer["access_token"], "token_type": answer["token_type"]}
    return {"session": {**issued, **{k: v for k, v in answer.items() if k == "expires_in"}}}


@router.get("/account")
def account(ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """The calling user (200 ``{"user"}``)."""
    return classic_user(accounts.Account.of(ctx.user), accounts.display_name_of(ctx.session, ctx.user.id))


@router.delete("/account")
def delete_account(ctx: UserCtx = Depends(user_context)) -> dict[str, bool]:
    """Delete the user and everything they own (200 ``{"deleted": true}``)."""
    accounts.delete_user(ctx, ctx.user.id)
    return {"deleted": True}
