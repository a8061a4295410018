"""Domain events delivered to the owner's subscribed webhooks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import usage
from .models import Webhook
from .runtime import Runtime


def publish(runtime: Runtime, session: Session, owner_id: str, event: str, items: list[dict[str, Any]]) -> None:
    """Record one delivery per (subscribed webhook, item), commit, then send them in the background."""
    hooks = [
        h
        for h in session.execute(select(Webhook).where(Webhook.owner_id == owner_id)).scalars()
        if event in (h.events or [])
    ]
    if not hooks or not items:
        return
    queued = []
    for hook in hooks:
        for data in items:
            delivery = runtime.webhooks.record(session, hook, event)
            queued.append((hook, delivery.id, data))
    usage.bump(session, owner_id, runtime.faults, webhooks_sent=len(queued))
    session.commit()
    for hook, delivery_id, data in queued:
        runtime.webhooks.submit(hook, delivery_id, event, data)
