"""RFC 9457 problem details for every error the service answers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from .faults import Faults

PROBLEM_CONTENT_TYPE = "application/problem+json"

_FAKE_TRACE = (
    "\nTraceback (most recent call last):\n"
    '  File "/srv/lattice/app.py", line 42, in handle\n'
    "    rows = session.execute(query)\n"
    "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) near \"FROM\": syntax error\n"
    "[SQL: SELECT lattices.id, lattices.name FROM lattices WHERE lattices.owner_id = ?]"
)


class ProblemError(Exception):
    """Raised anywhere in request handling to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title
        self.headers = dict(headers or {})


def title_for(status: int) -> str:
    """The standard reason phrase of ``status``."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_body(
    status: int, detail: str, instance: str, faults: Faults, title: str | None = None
) -> tuple[bytes, str]:
    """Serialise a problem; returns ``(body, content_type)``."""
    if faults.on("error_stack_trace"):
        detail = detail + _FAKE_TRACE
    if faults.on("error_not_problem_json"):
        return json.dumps({"detail": detail}).encode(), "application/json"
    doc: dict[str, Any] = {
        "type": "about:blank",
        "title": title or title_for(status),
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    return json.dumps(doc).encode(), PROBLEM_CONTENT_TYPE
