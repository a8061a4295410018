"""``/api/v1/webhooks``: subscriptions to events, test pings and delivery records."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import usage
from ..deps import UserCtx, raw_json, user_context
from ..models import Delivery, Webhook, new_id, utcnow
from ..problems import FieldProblem, ProblemError, invalid
from ..runtime import iso
from ..validation import require_object
from ..webhooks import EVENTS, new_secret

router = APIRouter(prefix="/api/v1/webhooks")
MAX_URL = 2048


def webhook_json(hook: Webhook, with_secret: bool = False) -> dict[str, Any]:
    """The public view of a webhook (the secret only when asked for)."""
    doc = {"id": hook.id, "url": hook.url, "events": hook.events, "created_at": iso(hook.created_at)}
    if with_secret:
        doc["secret"] = hook.secret
    return doc


def _owned(session: Session, owner_id: str, hook_id: str) -> Webhook:
    hook = session.get(Webhook, hook_id)
    if hook is None or hook.owner_id != owner_id:
        raise ProblemError(404, "No webhook with this id.")
    return hook


def _valid_url(url: Any) -> bool:
    if not isinstance(url, str) or len(url) > MAX_URL:
        return False
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@router.post("", status_code=201)
def create_webhook(payload: Any = Depends(raw_json), ctx: UserCtx = Depends(user_context)) -> JSONResponse:
    """Subscribe a URL to events; the answer is the only place the secret is shown."""
    body = require_object(payload)
    url, events = body.get("url"), body.get("events")
    problems: list[FieldProblem] = []
    if not _valid_url(url):
        problems.append(FieldProblem(("body", "url"), "'url' must be an absolute http:// or https:// URL."))
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        problems.append(FieldProblem(("body", "events"), f"'events' must be a non-empty list of: {', '.join(EVENTS)}."))
    else:
        unknown = sorted({e for e in events if e not in EVENTS})
        if unknown:
            message = f"unknown event(s) {', '.join(unknown)}; valid events: {', '.join(EVENTS)}."
            problems.append(FieldProblem(("body", "events"), message))
    if problems:
        raise invalid(problems)
    hook = Webhook(
        id=new_id(),
        owner_id=ctx.user.id,
        url=url,
        events=list(dict.fromkeys(events or [])),
        secret=new_secret(),
        created_at=utcnow(),
    )
    ctx.session.add(hook)
    ctx.session.commit()
    return JSONResponse(webhook_json(hook, with_secret=True), status_code=201)


@router.get("")
def list_webhooks(ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """The caller's webhooks, without secrets."""
    hooks = ctx.session.execute(
        select(Webhook).where(Webhook.owner_id == ctx.user.id).order_by(Webhook.created_at, Webhook.id)
    ).scalars()
    leak = ctx.faults.on("webhook_secret_in_listing")
    return {"items": [webhook_json(h, with_secret=leak) for h in hooks]}


@router.delete("/{id}", status_code=204)
def delete_webhook(id: str, ctx: UserCtx = Depends(user_context)) -> Response:
    """Delete one of the caller's webhooks and its delivery records."""
    hook = _owned(ctx.session, ctx.user.id, id)
    ctx.session.execute(delete(Delivery).where(Delivery.webhook_id == hook.id))
    ctx.session.delete(hook)
    ctx.session.commit()
    return Response(status_code=204)


@router.post("/{id}/test", status_code=202)
def test_webhook(id: str, ctx: UserCtx = Depends(user_context)) -> JSONResponse:
    """Send a signed ``ping``; the delivery record exists before the 202 is returned."""
    hook = _owned(ctx.session, ctx.user.id, id)
    if ctx.faults.on("webhook_no_delivery"):
        return JSONResponse({"delivery_id": str(uuid.uuid4())}, status_code=202)
    delivery = ctx.runtime.webhooks.record(ctx.session, hook, "ping")
    usage.bump(ctx.session, ctx.user.id, ctx.faults, webhooks_sent=1)
    ctx.session.commit()
    ctx.runtime.webhooks.submit(hook, delivery.id, "ping", {"message": "ping", "webhook_id": hook.id})
    return JSONResponse({"delivery_id": delivery.id}, status_code=202)


@router.get("/{id}/deliveries")
def list_deliveries(id: str, ctx: UserCtx = Depends(user_context)) -> dict[str, Any]:
    """Delivery records of one of the caller's webhooks, newest first."""
    hook = _owned(ctx.session, ctx.user.id, id)
    rows = ctx.session.execute(
        select(Delivery).where(Delivery.webhook_id == hook.id).order_by(Delivery.created_at.desc(), Delivery.id)
    ).scalars()
    return {
        "items": [
            {
                "id": d.id,
                "event": d.event,
                "attempts": d.attempts,
                "status_code": d.status_code,
                "outcome": d.outcome,
                "created_at": iso(d.created_at),
            }
            for d in rows
        ]
    }
