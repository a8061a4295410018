"""Per-user, per-month usage counters."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .db import Database
from .faults import Faults
from .models import UTC, Usage

COUNTERS = ("requests", "lattices_created", "paths_computed", "webhooks_sent")


def period_of(day: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """First day of ``day``'s month and first day of the next month (exclusive end)."""
    day = day or dt.datetime.now(UTC).date()
    start = day.replace(day=1)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


class KnownRows:
    """(user id, period start) of the usage rows this service has seen, at most ``limit`` of them.

    A row is only ever deleted with its user, whose id is never used again, so it need not be
    looked up on every request. A long-lived service forgets them all and looks them up again.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._rows: set[tuple[str, dt.date]] = set()

    def __contains__(self, row: object) -> bool:
        with self._lock:
            return row in self._rows

    def add(self, row: tuple[str, dt.date]) -> None:
        """Remember ``row``."""
        with self._lock:
            if len(self._rows) >= self.limit:
                self._rows.clear()
            self._rows.add(row)


def ensure_row(db: Database, known: KnownRows, user_id: str) -> None:
    """Make sure the current period's row exists (in its own short transaction)."""
    start, _ = period_of()
    if (user_id, start) in known:
        return
    with db.session() as session:
        if session.execute(select(Usage.user_id).where(Usage.user_id == user_id, Usage.period_start == start)).first():
            known.add((user_id, start))
            return
        session.add(new_row(user_id, start))
        try:
            session.commit()
        except IntegrityError:  # another request created it meanwhile
            session.rollback()
    known.add((user_id, start))


def new_row(user_id: str, start: dt.date) -> Usage:
    """A period's row with every counter at zero."""
    return Usage(user_id=user_id, period_start=start, **dict.fromkeys(COUNTERS, 0))


def bump(session: Session, user_id: str, faults: Faults, **increments: int) -> None:
    """Add ``increments`` to the user's current counters (the caller commits)."""
    if faults.on("usage_not_counted"):
        return
    unknown = set(increments) - set(COUNTERS)
    if unknown:
        raise ValueError(f"unknown usage counters: {sorted(unknown)}")
    start, _ = period_of()
    values = {name: getattr(Usage, name) + amount for name, amount in increments.items()}
    session.execute(update(Usage).where(Usage.user_id == user_id, Usage.period_start == start).values(**values))
