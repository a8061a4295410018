"""Lean accounts: ``POST /users``, ``POST /token``, ``GET /users/me``, ``GET /usage``, ``DELETE /admin/users/{id}``.

Registration, login and the current user answer as the contract's do, on other paths: the
contract's handlers serve them.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Request, Response

from ..auth import bearer_token
from ..deps import AUTH_HEADERS, Ctx, UserCtx, context, user_context
from ..models import User
from ..problems import ProblemError
from ..routes import auth, users
from ..services import accounts, billing

router = APIRouter()
router.add_api_route("/users", auth.register, methods=["POST"], status_code=201)
router.add_api_route("/token", auth.login, methods=["POST"])
router.add_api_route("/users/me", users.me, methods=["GET"])


@router.get("/usage")
def usage(ctx: UserCtx = Depends(user_context)) -> dict[str, int]:
    """The calling user's API calls (this one included) and lattices created this month."""
    counts = billing.usage_counts(ctx)
    return {"api_calls": counts["requests"], "lattices_created": counts["lattices_created"]}


def require_admin(request: Request, ctx: Ctx) -> None:
    """401 without a bearer token, 403 unless it is ``LATTICE_ADMIN_TOKEN`` (always 403 when that is unset)."""
    presented = bearer_token(request.headers.get("authorization"))
    if presented is None:
        raise ProblemError(401, "Not authenticated.", headers=AUTH_HEADERS)
    expected = ctx.runtime.settings.admin_token
    if not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise ProblemError(403, "An admin credential is required.")


@router.delete("/admin/users/{user_id}", status_code=204)
def delete_user(user_id: str, request: Request, ctx: Ctx = Depends(context)) -> Response:
    """Delete a user and everything the user owns (admin credential; 404 for an unknown user)."""
    require_admin(request, ctx)
    if ctx.session.get(User, user_id) is None:
        raise ProblemError(404, "No user with this id.")
    accounts.delete_user(ctx, user_id)
    return Response(status_code=204)
