"""Error bodies: RFC 9457 problem details (contract dialect) or ``{"error": {...}}`` (classic)."""

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
    'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) near "FROM": syntax error\n'
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


#: Classic dialect: every complaint about the request itself is a 400.
CLASSIC_STATUS = {409: 400, 422: 400}
#: Classic dialect: the machine-readable ``code`` of each answered status.
CLASSIC_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def error_answer(dialect: str, status: int, detail: str, instance: str, faults: Faults) -> tuple[int, bytes, str]:
    """``(status, body, content_type)`` of an error in ``dialect``'s format.

    ``contract``: problem+json with the status as raised. ``classic``: 409 and 422 become 400 and
    the body is ``{"error": {"code", "message"}}`` as ``application/json``. Both carry the same
    faults (``error_stack_trace`` taints the message, ``error_not_problem_json`` answers
    ``{"detail": ...}`` instead of the dialect's format).
    """
    if dialect != "classic":
        body, content_type = problem_body(status, detail, instance, faults)
        return status, body, content_type
    original = status
    status = CLASSIC_STATUS.get(status, status)
    if faults.on("error_stack_trace"):
        detail = detail + _FAKE_TRACE
    if faults.on("error_not_problem_json"):
        return status, json.dumps({"detail": detail}).encode(), "application/json"
    code = {409: "conflict", 422: "invalid_request"}.get(original) or CLASSIC_CODES.get(status, "error")
    return status, json.dumps({"error": {"code": code, "message": detail}}).encode(), "application/json"
