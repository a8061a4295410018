"""Per-user, per-month usage counters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .db import Database
from .faults import Faults
from .models import Usage

COUNTERS = ("requests", "lattices_created", "paths_computed", "webhooks_sent")


def period_of(day: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """First day of ``day``'s month and first day of the next month (exclusive end)."""
    day = day or dt.datetime.now(dt.UTC).date()
    start = day.replace(day=1)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


#: (user id, period start) of the rows this process has seen: a row is only ever deleted with its
#: user, whose id is never used again, so it need not be looked up on every request. At most
#: ``_KNOWN_ROWS_MAX`` entries: a long-lived service forgets them all and looks them up again.
_KNOWN_ROWS: set[tuple[str, dt.date]] = set()
_KNOWN_ROWS_MAX = 10_000


def _remember_row(user_id: str, start: dt.date) -> None:
    if len(_KNOWN_ROWS) >= _KNOWN_ROWS_MAX:
        _KNOWN_ROWS.clear()
    _KNOWN_ROWS.add((user_id, start))


def ensure_row(db: Database, user_id: str) -> None:
    """Make sure the current period's row exists (in its own short transaction)."""
    start, _ = period_of()
    if (user_id, start) in _KNOWN_ROWS:
        return
    with db.session() as session:
        if session.execute(select(Usage.user_id).where(Usage.user_id == user_id, Usage.period_start == start)).first():
            _remember_row(user_id, start)
            return
        session.add(
            Usage(
                user_id=user_id, period_start=start, requests=0, lattices_created=0, paths_computed=0, webhooks_sent=0
            )
        )
        try:
            session.commit()
        except IntegrityError:  # another request created it meanwhile
            session.rollback()
    _remember_row(user_id, start)


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
