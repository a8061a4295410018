"""``/api/v1/auth``: registration and login."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from ..deps import Ctx, context, raw_json
from ..services import accounts

router = APIRouter(prefix="/api/v1/auth")


@router.post("/register", status_code=201)
def register(payload: Any = Depends(raw_json), ctx: Ctx = Depends(context)) -> JSONResponse:
    """Create an account (201), 409 when the email exists, 422 for a bad email or short password."""
    return JSONResponse(accounts.register(ctx, payload).to_json(), status_code=201)


@router.post("/login")
def login(payload: Any = Depends(raw_json), ctx: Ctx = Depends(context)) -> dict[str, Any]:
    """Exchange credentials for a bearer token; 401 (same body) for any wrong credentials."""
    return accounts.login(ctx, payload)
