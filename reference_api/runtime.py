"""The objects one running service shares between requests."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .auth import Passwords, TokenService
from .config import Settings
from .db import Database
from .dialects import Dialect, dialect_named
from .faults import Faults
from .metrics import Metrics
from .models import UTC
from .mutations import Mutations
from .ratelimit import RateLimiter
from .usage import KnownRows
from .webhooks import WebhookDispatcher


class Once:
    """Remembers which one-time events of this service happened (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[str] = set()

    def first(self, event: str) -> bool:
        """True the first time ``event`` is named, False afterwards."""
        with self._lock:
            if event in self._seen:
                return False
            self._seen.add(event)
            return True


@dataclass
class Runtime:
    """Settings, faults, mutations and the service's long-lived collaborators."""

    settings: Settings
    faults: Faults
    db: Database
    tokens: TokenService
    passwords: Passwords
    limiter: RateLimiter
    metrics: Metrics
    webhooks: WebhookDispatcher
    health_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="health")
    )
    mutations: Mutations = field(default_factory=Mutations)
    once: Once = field(default_factory=Once)
    usage_rows: KnownRows = field(default_factory=KnownRows)

    @property
    def dialect(self) -> Dialect:
        """The HTTP surface this service presents."""
        return dialect_named(self.settings.dialect)

    @classmethod
    def build(cls, settings: Settings, faults: Faults, mutations: Mutations | None = None) -> Runtime:
        """Create every collaborator (the database schema is created here)."""
        db = Database(settings.database_url)
        metrics = Metrics()
        redis_url = settings.redis_url if dialect_named(settings.dialect).uses_cache else None
        return cls(
            settings=settings,
            faults=faults,
            db=db,
            tokens=TokenService(settings.jwt_secret, settings.token_ttl_seconds, faults),
            passwords=Passwords(settings.argon2_memory_kib, settings.argon2_time_cost),
            limiter=RateLimiter(settings.rate_limit_window_seconds, redis_url),
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
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()
