"""Classic ``/billing/plans``, ``/billing/subscription`` and ``/usage``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends

from ..deps import UserCtx, raw_json, user_context
from ..plans import PLANS
from ..services import billing
from ..validation import require_object

router = APIRouter()
#: The classic plan codes of the core's plans.
PLAN_CODES = {"free": "starter", "pro": "premium", "enterprise": "corporate"}
PLAN_IDS = {code: plan_id for plan_id, code in PLAN_CODES.items()}
#: The classic status words of the core's subscription statuses.
STATES = {"active": "active", "canceled": "cancelled"}


def classic_subscription(answer: dict[str, Any], asked: Any = None) -> dict[str, Any]:
    """The core's subscription document in classic words (an unmapped plan is shown as asked)."""
    plan = answer.get("plan")
    return {
        "subscription": {
            "plan": PLAN_CODES.get(plan, asked) if isinstance(plan, str) else asked,
            "state": STATES.get(answer["status"], answer["status"]),
            "renews_at": answer["renews_at"],
            "limits": answer["limits"],
        }
    }


@router.get("/billing/plans")
def list_plans() -> list[dict[str, Any]]:
    """Every plan with its limits, as a bare array."""
    return [{"code": PLAN_CODES[p.id], "limits": asdict(p.limits)} for p in PLANS.values()]


@router.get("/billing/subscription")
def get_subscription(ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """The calling user's subscription (200 ``{"subscription"}``)."""
    return classic_subscription(billing.subscription(ctx))


@router.put("/billing/subscription")
def put_subscription(payload: Any = Depends(raw_json), ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """Change plan by its classic code; 400 for an unknown code."""
    asked = require_object(payload).get("plan")
    # A code that is not classic (a contract plan id included) reaches the core as no plan at all.
    plan_id = PLAN_IDS.get(asked) if isinstance(asked, str) else None
    return classic_subscription(billing.change_plan(ctx, plan_id, names=PLAN_IDS), asked)


@router.delete("/billing/subscription")
def cancel_subscription(ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """Cancel: back to the starter plan, state ``cancelled``."""
    return classic_subscription(billing.cancel(ctx))


@router.get("/usage")
def get_usage(ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """The calling user's counters for the current month (200 ``{"usage"}``)."""
    counts = billing.usage_counts(ctx)
    return {
        "usage": {
            "requests": counts["requests"],
            "grids_created": counts["lattices_created"],
            "routes_computed": counts["paths_computed"],
        }
    }
