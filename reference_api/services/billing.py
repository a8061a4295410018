"""Plans, the calling user's subscription, and usage counters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import usage
from ..deps import UserCtx
from ..models import Subscription, Usage
from ..plans import FREE, PLANS, Plan
from ..problems import FieldProblem, ProblemError, invalid
from ..runtime import iso


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


def subscription_json(plan_id: Any, status: str, renews_at: dt.date | None) -> dict[str, Any]:
    """``{"plan", "status", "renews_at", "limits"}`` (an unknown plan has the free plan's limits)."""
    plan = PLANS.get(plan_id, FREE) if isinstance(plan_id, str) and status == "active" else FREE
    return {"plan": plan_id, "status": status, "renews_at": iso(renews_at), "limits": asdict(plan.limits)}


def subscription(ctx: UserCtx) -> dict[str, Any]:
    """The calling user's subscription."""
    # Faults of the runner's re-run logic, on an operation only one workflow uses
    if ctx.faults.on("flaky_once") and ctx.runtime.once.first("flaky_once"):
        raise ProblemError(500, "The subscription service failed once (fault flaky_once).")
    if ctx.faults.on("subscription_fails_then_throttled"):  # the first attempt and a re-run fail differently
        if ctx.runtime.once.first("subscription_fails_then_throttled"):
            raise ProblemError(500, "The subscription service failed (fault subscription_fails_then_throttled).")
        raise ProblemError(
            429, "Subscription budget used up (fault subscription_fails_then_throttled).", headers={"Retry-After": "60"}
        )
    sub = subscription_of(ctx.session, ctx.user.id)
    ctx.session.commit()
    return subscription_json(sub.plan, sub.status, sub.renews_at)


def change_plan(ctx: UserCtx, plan_id: Any, names: Iterable[str] = PLANS) -> dict[str, Any]:
    """Move to the plan ``plan_id`` (422 naming ``names`` for an unknown one); the change is persisted."""
    renews = dt.date.today() + dt.timedelta(days=30)
    if not isinstance(plan_id, str) or plan_id not in PLANS:
        if ctx.faults.on("subscription_accepts_unknown_plan"):
            return subscription_json(plan_id, "active", renews)
        raise invalid([FieldProblem(("body", "plan"), f"'plan' must be one of: {', '.join(names)}.")])
    if ctx.faults.on("subscription_not_persisted"):
        return subscription_json(plan_id, "active", renews)
    sub = subscription_of(ctx.session, ctx.user.id)
    sub.plan, sub.status, sub.renews_at = plan_id, "active", renews
    ctx.session.commit()
    return subscription_json(sub.plan, sub.status, sub.renews_at)


def cancel(ctx: UserCtx) -> dict[str, Any]:
    """Cancel: back to the free plan, status ``canceled``."""
    sub = subscription_of(ctx.session, ctx.user.id)
    sub.plan, sub.status = "free", "canceled"
    ctx.session.commit()
    return subscription_json(sub.plan, sub.status, sub.renews_at)


def usage_counts(ctx: UserCtx) -> dict[str, Any]:
    """The calling user's counters of the current month (this request included) and the period's bounds."""
    start, end = usage.period_of()
    if ctx.faults.on("tenant_leak_usage"):
        rows = list(ctx.session.execute(select(Usage).where(Usage.period_start == start)).scalars())
        counts = {name: sum(getattr(r, name) for r in rows) for name in usage.COUNTERS}
    else:
        row = ctx.session.execute(
            select(Usage).where(Usage.user_id == ctx.user.id, Usage.period_start == start)
        ).scalar_one_or_none()
        counts = {name: (getattr(row, name) if row else 0) for name in usage.COUNTERS}
    return {"period_start": iso(start), "period_end": iso(end), **counts}
