"""``/api/v1/users/me``: the calling user, and account deletion with everything owned."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from ..deps import UserCtx, user_context
from ..services import accounts

router = APIRouter(prefix="/api/v1/users")


@router.get("/me")
def me(ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """The calling user."""
    return accounts.Account.of(ctx.user).to_json()


@router.delete("/me", status_code=204)
def delete_me(ctx: UserCtx = Depends(user_context)) -> Response:
    """Delete the user and everything the user owns."""
    accounts.delete_user(ctx, ctx.user.id)
    return Response(status_code=204)
