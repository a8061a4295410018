"""Classic ``/billing/plans``, ``/billing/subscription`` and ``/usage``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from ..deps import current_user, get_runtime, get_session, raw_json
from ..models import User
from ..plans import PLANS
from ..problems import ProblemError
from ..routes import account
from ..runtime import Runtime

router = APIRouter()
#: The classic plan codes of the core's plans.
PLAN_CODES = {"free": "starter", "pro": "premium", "enterprise": "corporate"}
PLAN_IDS = {code: plan_id for plan_id, code in PLAN_CODES.items()}
#: The classic status words of the core's subscription statuses.
STATES = {"active": "active", "canceled": "cancelled"}


def classic_subscription(answer: dict[str, Any], asked: Any = None) -> dict[str, Any]:
    """The contract subscription document in classic words (an unmapped plan is shown as asked)."""
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
def get_subscription(
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """The calling user's subscription (200 ``{"subscription"}``)."""
    return classic_subscription(account.get_subscription(user, session, runtime))


@router.put("/billing/subscription")
def put_subscription(
    payload: Any = Depends(raw_json),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """Change plan by its classic code; 400 for an unknown code."""
    asked = payload.get("plan") if isinstance(payload, dict) else None
    if isinstance(payload, dict):
        # A code that is not classic (a contract plan id included) reaches the core as no plan at all.
        payload = {**payload, "plan": PLAN_IDS.get(asked) if isinstance(asked, str) else None}
    try:
        answer = account.put_subscription(payload, user, session, runtime)
    except ProblemError as exc:
        if exc.detail.startswith("'plan'"):
            raise ProblemError(exc.status, f"'plan' must be one of: {', '.join(PLAN_IDS)}.") from None
        raise
    return classic_subscription(answer, asked)


@router.delete("/billing/subscription")
def cancel_subscription(user: User = Depends(current_user), session: Session = Depends(get_session)) -> dict[str, Any]:
    """Cancel: back to the starter plan, state ``cancelled``."""
    return classic_subscription(account.cancel_subscription(user, session))


@router.get("/usage")
def get_usage(
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """The calling user's counters for the current month (200 ``{"usage"}``)."""
    counts = account.get_usage(user, session, runtime)
    return {
        "usage": {
            "requests": counts["requests"],
            "grids_created": counts["lattices_created"],
            "routes_computed": counts["paths_computed"],
        }
    }
