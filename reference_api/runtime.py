"""The objects one running service shares between requests."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .auth import TokenService
from .config import Settings
from .db import Database
from .faults import Faults
from .metrics import Metrics
from .mutations import Mutations
from .ratelimit import RateLimiter
from .webhooks import WebhookDispatcher


@dataclass
class Runtime:
    """Settings, faults, mutations and the service's long-lived collaborators."""

    settings: Settings
    faults: Faults
    db: Database
    tokens: TokenService
    limiter: RateLimiter
    metrics: Metrics
    webhooks: WebhookDispatcher
    health_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="health")
    )
    mutations: Mutations = field(default_factory=Mutations)

    @classmethod
    def build(cls, settings: Settings, faults: Faults, mutations: Mutations | None = None) -> Runtime:
        """Create every collaborator (the database schema is created here)."""
        db = Database(settings.database_url)
        metrics = Metrics()
        return cls(
            settings=settings,
            faults=faults,
            db=db,
            tokens=TokenService(settings.jwt_secret, settings.token_ttl_seconds, faults),
            limiter=RateLimiter(settings.rate_limit_window_seconds, settings.redis_url),
            metrics=metrics,
            webhooks=WebhookDispatcher(db.session, metrics, faults),
            mutations=mutations or Mutations(),
        )

    async def close(self) -> None:
        """Release resources at shutdown."""
        self.webhooks.shutdown()
        self.health_pool.shutdown(wait=False, cancel_futures=True)
        await self.limiter.close()
        self.db.dispose()


def iso(value: dt.datetime | dt.date | None) -> str | None:
    """ISO 8601 text; datetimes in UTC with a ``Z`` suffix (naive values are UTC)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()
