"""Plans, the calling user's subscription and usage."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import usage
from ..deps import current_user, get_runtime, get_session, raw_json
from ..models import Subscription, Usage, User
from ..plans import FREE, PLANS, Plan
from ..problems import ProblemError
from ..runtime import Runtime, iso
from ..validation import require_object

router = APIRouter(prefix="/api/v1")


def subscription_of(session: Session, user_id: str) -> Subscription:
    """The user's subscription row (created on the free plan if missing)."""
    sub = session.get(Subscription, user_id)
    if sub is None:
        sub = Subscription(
            user_id=user_id, plan="free", status="active", renews_at=dt.date.today() + dt.timedelta(days=30)
        )
        session.add(sub)
        session.flush()
    return sub


def plan_of(session: Session, user_id: str) -> Plan:
    """The plan whose limits apply to the user (free when canceled)."""
    sub = subscription_of(session, user_id)
    if sub.status != "active":
        return FREE
    return PLANS.get(sub.plan, FREE)


def subscription_json(plan_id: str, status: str, renews_at: dt.date | None) -> dict[str, Any]:
    """The subscription document."""
    plan = PLANS.get(plan_id, FREE) if status == "active" else FREE
    return {"plan": plan_id, "status": status, "renews_at": iso(renews_at), "limits": asdict(plan.limits)}


@router.get("/plans")
def list_plans() -> dict[str, Any]:
    """Every plan with its limits."""
    return {"items": [p.to_json() for p in PLANS.values()]}


@router.get("/subscription")
def get_subscription(
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """The calling user's subscription."""
    # Faults of the runner's re-run logic, on an operation only one workflow uses
    if runtime.faults.on("flaky_once") and not _flaky_answered.is_set():
        _flaky_answered.set()
        raise ProblemError(500, "The subscription service failed once (fault flaky_once).")
    if runtime.faults.on("subscription_fails_then_throttled"):  # the first attempt and a re-run fail differently
        if not _throttled_started.is_set():
            _throttled_started.set()
            raise ProblemError(500, "The subscription service failed (fault subscription_fails_then_throttled).")
        raise ProblemError(
            429, "Subscription budget used up (fault subscription_fails_then_throttled).", headers={"Retry-After": "60"}
        )
    sub = subscription_of(session, user.id)
    session.commit()
    return subscription_json(sub.plan, sub.status, sub.renews_at)


@router.put("/subscription")
def put_subscription(
    payload: Any = Depends(raw_json),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """Change plan (422 for an unknown plan); the change is persisted."""
    plan_id = require_object(payload).get("plan")
    renews = dt.date.today() + dt.timedelta(days=30)
    if not isinstance(plan_id, str) or plan_id not in PLANS:
        if runtime.faults.on("subscription_accepts_unknown_plan"):
            return {"plan": plan_id, "status": "active", "renews_at": iso(renews), "limits": asdict(FREE.limits)}
        raise ProblemError(422, f"'plan' must be one of: {', '.join(PLANS)}.")
    if runtime.faults.on("subscription_not_persisted"):
        return subscription_json(plan_id, "active", renews)
    sub = subscription_of(session, user.id)
    sub.plan, sub.status, sub.renews_at = plan_id, "active", renews
    session.commit()
    return subscription_json(sub.plan, sub.status, sub.renews_at)


@router.delete("/subscription")
def cancel_subscription(user: User = Depends(current_user), session: Session = Depends(get_session)) -> dict[str, Any]:
    """Cancel: back to the free plan, status ``canceled``."""
    sub = subscription_of(session, user.id)
    sub.plan, sub.status = "free", "canceled"
    session.commit()
    return subscription_json(sub.plan, sub.status, sub.renews_at)


_flaky_answered = threading.Event()
_throttled_started = threading.Event()


@router.get("/usage")
def get_usage(
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """The calling user's counters for the current month (this request included)."""
    start, end = usage.period_of()
    if runtime.faults.on("tenant_leak_usage"):
        rows = list(session.execute(select(Usage).where(Usage.period_start == start)).scalars())
        counts = {name: sum(getattr(r, name) for r in rows) for name in usage.COUNTERS}
    else:
        row = session.execute(
            select(Usage).where(Usage.user_id == user.id, Usage.period_start == start)
        ).scalar_one_or_none()
        counts = {name: (getattr(row, name) if row else 0) for name in usage.COUNTERS}
    return {"period_start": iso(start), "period_end": iso(end), **counts}
