"""Accounts: registration, login and deletion of a user with everything the user owns."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import usage
from ..deps import AUTH_HEADERS, Ctx
from ..models import Delivery, Lattice, Profile, Subscription, Usage, User, Webhook, new_id, utcnow
from ..problems import FieldProblem, ProblemError, invalid
from ..runtime import iso
from ..validation import credentials_problems, require_object, required_string

DUPLICATE = "An account with this email already exists."


@dataclass(frozen=True)
class Account:
    """The public view of a user."""

    id: str
    email: str
    created_at: str | None

    @classmethod
    def of(cls, user: User) -> Account:
        """The view of ``user``."""
        return cls(user.id, user.email, iso(user.created_at))

    def to_json(self) -> dict[str, Any]:
        """``{"id", "email", "created_at"}``."""
        return {"id": self.id, "email": self.email, "created_at": self.created_at}


def register(
    ctx: Ctx, payload: Any, more_problems: Sequence[FieldProblem] = (), display_name: str | None = None
) -> Account:
    """Create an account (422 for a bad email, a short password or ``more_problems``; 409 when the email exists).

    ``display_name`` (the classic dialect's) is stored in the user's profile.
    """
    email, password, problems = credentials_problems(payload)
    problems = [*problems, *more_problems]
    if problems:
        if ctx.faults.on("register_accepts_empty"):
            return Account(str(uuid.uuid4()), email, iso(utcnow()))
        raise invalid(problems)
    session = ctx.session
    existing = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if existing is not None:
        if ctx.faults.on("register_allows_duplicate"):
            return Account.of(existing)
        raise ProblemError(409, DUPLICATE)
    user = User(id=new_id(), email=email, password_hash=ctx.runtime.passwords.hash(password), created_at=utcnow())
    start, _ = usage.period_of()
    try:
        session.add(user)
        session.flush()
        session.add(
            Subscription(
                user_id=user.id, plan="free", status="active", renews_at=dt.date.today() + dt.timedelta(days=30)
            )
        )
        session.add(usage.new_row(user.id, start))
        if display_name is not None:
            session.add(Profile(user_id=user.id, display_name=display_name))
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ProblemError(409, DUPLICATE) from None
    return Account.of(user)


def login(ctx: Ctx, payload: Any) -> dict[str, Any]:
    """``{"access_token", "token_type", "expires_in"}`` for right credentials; 401 (same body) for any wrong ones."""
    body = require_object(payload)
    problems = [p for p in (required_string(body, "email"), required_string(body, "password")) if p]
    if problems:
        raise invalid(problems)
    email, password = str(body["email"]), str(body["password"])
    user = ctx.session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if not ctx.runtime.passwords.verify(user.password_hash if user else None, password) or user is None:
        if ctx.faults.on("login_500"):
            raise ProblemError(500, "The server could not process the request.")
        raise ProblemError(401, "Invalid email or password.", headers=AUTH_HEADERS)
    answer: dict[str, Any] = {
        "access_token": ctx.runtime.tokens.issue(user.id),
        "token_type": "bearer",
        "expires_in": ctx.runtime.settings.token_ttl_seconds,
    }
    if ctx.faults.on("login_no_expiry"):
        del answer["expires_in"]
    return answer


def delete_user(ctx: Ctx, user_id: str) -> None:
    """Delete the user and their lattices, webhooks (with deliveries), subscription, usage and profile."""
    if ctx.faults.on("delete_user_keeps_data"):
        return
    session = ctx.session
    for model in (Delivery, Webhook, Lattice):
        session.execute(delete(model).where(model.owner_id == user_id))
    for owned in (Subscription, Usage, Profile):
        session.execute(delete(owned).where(owned.user_id == user_id))
    session.execute(delete(User).where(User.id == user_id))
    session.commit()


def display_name_of(session: Session, user_id: str) -> str:
    """The user's display name ("" for an account created through another dialect)."""
    profile = session.get(Profile, user_id)
    return profile.display_name if profile else ""
