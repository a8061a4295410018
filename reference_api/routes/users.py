"""``/api/v1/users/me``: the calling user, and account deletion with everything owned."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response
from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..deps import current_user, get_runtime, get_session
from ..models import Delivery, Lattice, Profile, Subscription, Usage, User, Webhook
from ..runtime import Runtime
from .auth import user_json

router = APIRouter(prefix="/api/v1/users")


@router.get("/me")
def me(user: User = Depends(current_user)) -> dict[str, Any]:
    """The calling user."""
    return user_json(user)


@router.delete("/me", status_code=204)
def delete_me(
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    """Delete the user and their lattices, webhooks (with deliveries), subscription, usage and profile."""
    if runtime.faults.on("delete_user_keeps_data"):
        return Response(status_code=204)
    for model in (Delivery, Webhook, Lattice):
        session.execute(delete(model).where(model.owner_id == user.id))
    session.execute(delete(Subscription).where(Subscription.user_id == user.id))
    session.execute(delete(Usage).where(Usage.user_id == user.id))
    session.execute(delete(Profile).where(Profile.user_id == user.id))
    session.execute(delete(User).where(User.id == user.id))
    session.commit()
    return Response(status_code=204)
