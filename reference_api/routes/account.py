"""``/api/v1``: plans, the calling user's subscription and usage."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from ..deps import UserCtx, raw_json, user_context
from ..plans import PLANS
from ..services import billing
from ..validation import require_object

router = APIRouter(prefix="/api/v1")


@router.get("/plans")
def list_plans() -> dict[str, Any]:
    """Every plan with its limits."""
    return {"items": [p.to_json() for p in PLANS.values()]}


@router.get("/subscription")
def get_subscription(ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """The calling user's subscription."""
    return billing.subscription(ctx)


@router.put("/subscription")
def put_subscription(payload: Any = Depends(raw_json), ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """Change plan (422 for an unknown plan); the change is persisted."""
    return billing.change_plan(ctx, require_object(payload).get("plan"))


@router.delete("/subscription")
def cancel_subscription(ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """Cancel: back to the free plan, status ``canceled``."""
    return billing.cancel(ctx)


@router.get("/usage")
def get_usage(ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """The calling user's counters for the current month (this request included)."""
    return billing.usage_counts(ctx)
