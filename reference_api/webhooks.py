"""Webhook deliveries: signed POSTs sent in background threads with bounded retries."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlalchemy.orm import Session

from .faults import Faults
from .metrics import Metrics
from .models import UTC, Delivery, Webhook

log = logging.getLogger("reference_api.webhooks")

EVENTS = ("lattice.created", "lattice.deleted", "path.computed", "ping")
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = (0.5, 1.0)
ATTEMPT_TIMEOUT_SECONDS = 3.0
USER_AGENT = "lattice-webhooks"


def new_secret() -> str:
    """A fresh signing secret."""
    return "whsec_" + secrets.token_urlsafe(24)


def signature(secret: str, body: bytes) -> str:
    """The ``X-Signature-256`` value of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookDispatcher:
    """Sends deliveries in a small thread pool and keeps their records up to date."""

    def __init__(
        self, session_factory: Callable[[], Session], metrics: Metrics, faults: Faults, workers: int = 8
    ) -> None:
        self._sessions = session_factory
        self._metrics = metrics
        self._faults = faults
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook")

    def record(self, session: Session, hook: Webhook, event: str) -> Delivery:
        """Add a ``pending`` delivery record to ``session`` (the caller commits)."""
        delivery = Delivery(
            id=str(uuid.uuid4()),
            webhook_id=hook.id,
            owner_id=hook.owner_id,
            event=event,
            attempts=0,
            status_code=None,
            outcome="pending",
        )
        session.add(delivery)
        return delivery

    def submit(self, hook: Webhook, delivery_id: str, event: str, data: dict[str, Any]) -> None:
        """Send a recorded delivery in the background."""
        payload = {
            "event": event,
            "delivery_id": delivery_id,
            "webhook_id": hook.id,
            "occurred_at": dt.datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "data": data,
        }
        body = json.dumps(payload, separators=(",", ":")).encode()
        self._pool.submit(self._deliver, hook.url, hook.secret, delivery_id, event, body)

    def _headers(self, secret: str, delivery_id: str, event: str, body: bytes) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Event": event,
            "X-Delivery-ID": delivery_id,
        }
        if self._faults.on("webhook_unsigned"):
            return headers
        key = secret + "-wrong" if self._faults.on("webhook_bad_signature") else secret
        headers["X-Signature-256"] = signature(key, body)
        return headers

    def _deliver(self, url: str, secret: str, delivery_id: str, event: str, body: bytes) -> None:
        outcome = "failed"
        for attempt in range(1, MAX_ATTEMPTS + 1):
            status = self._attempt(url, self._headers(secret, delivery_id, event, body), body)
            ok = status is not None and 200 <= status < 300
            final = ok or attempt == MAX_ATTEMPTS
            outcome = "delivered" if ok else ("failed" if final else "pending")
            self._update(delivery_id, attempt, status, outcome)
            if final:
                break
            time.sleep(BACKOFF_SECONDS[attempt - 1])
        self._metrics.webhook_deliveries.labels(outcome=outcome).inc()

    def _attempt(self, url: str, headers: dict[str, str], body: bytes) -> int | None:
        """One POST (http.client keeps header names as written and ignores proxies)."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        try:
            connection = connection_class(parts.hostname or "", parts.port, timeout=ATTEMPT_TIMEOUT_SECONDS)
            try:
                connection.request("POST", target, body=body, headers=headers)
                response = connection.getresponse()
                response.read(65536)
                return int(response.status)
            finally:
                connection.close()
        except Exception as exc:  # noqa: BLE001 - any transport failure is a failed attempt
            log.info("webhook delivery to %s failed: %s", url, exc)
            return None

    def _update(self, delivery_id: str, attempts: int, status: int | None, outcome: str) -> None:
        try:
            with self._sessions() as session:
                session.execute(
                    update(Delivery)
                    .where(Delivery.id == delivery_id)
                    .values(attempts=attempts, status_code=status, outcome=outcome)
                )
                session.commit()
        except Exception as exc:  # noqa: BLE001 - a lost record must not kill the worker
            log.warning("could not update delivery %s: %s", delivery_id, exc)

    def shutdown(self) -> None:
        """Stop accepting deliveries; do not wait for retries in flight."""
        self._pool.shutdown(wait=False, cancel_futures=True)
