"""Errors: one exception for every refusal, and the three error formats the dialects answer in.

* ``problem``: RFC 9457 problem details (``application/problem+json``), the contract dialect;
* ``classic``: ``{"error": {"code", "message"}}`` with every complaint about the request a 400;
* ``fastapi``: FastAPI's own ``{"detail": "..."}``, and for invalid requests (422)
  ``{"detail": [{"loc", "msg", "type"}, ...]}``; malformed JSON is a 422 of that shape too.

Every format carries the same faults: ``error_stack_trace`` taints the message,
``error_not_problem_json`` answers in another format than the dialect's (``{"detail": ...}`` as
``application/json`` for the problem and classic formats, plain text for the fastapi format, whose
own errors already are ``{"detail": ...}``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any

from .faults import Faults

PROBLEM_CONTENT_TYPE = "application/problem+json"
JSON_CONTENT_TYPE = "application/json"
#: ``(status, body, content type)`` of an error answer.
ErrorAnswer = tuple[int, bytes, str]

_FAKE_TRACE = (
    "\nTraceback (most recent call last):\n"
    '  File "/srv/lattice/app.py", line 42, in handle\n'
    "    rows = session.execute(query)\n"
    'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) near "FROM": syntax error\n'
    "[SQL: SELECT lattices.id, lattices.name FROM lattices WHERE lattices.owner_id = ?]"
)


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with a request: where (FastAPI's ``loc``), a sentence, and a type word."""

    loc: tuple[str | int, ...]
    message: str
    type: str = "value_error"


class ProblemError(Exception):
    """Raised anywhere in request handling to answer with an error in the dialect's format."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        problems: Sequence[FieldProblem] = (),
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})
        self.problems = tuple(problems)


def invalid(problems: Sequence[FieldProblem], prefix: str = "") -> ProblemError:
    """The 422 of a request with ``problems`` (its detail: their sentences, after ``prefix``)."""
    return ProblemError(422, prefix + " ".join(p.message for p in problems), problems=problems)


@contextmanager
def renamed(words: Mapping[str, str]) -> Iterator[None]:
    """Re-raise the core's errors with some of its words replaced (a dialect's own names)."""
    try:
        yield
    except ProblemError as exc:

        def swap(text: str) -> str:
            for core, own in words.items():
                text = text.replace(core, own)
            return text

        problems = [replace(p, message=swap(p.message)) for p in exc.problems]
        raise ProblemError(exc.status, swap(exc.detail), headers=exc.headers, problems=problems) from None


def title_for(status: int) -> str:
    """The standard reason phrase of ``status``."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _tainted(detail: str, faults: Faults) -> str:
    return detail + _FAKE_TRACE if faults.on("error_stack_trace") else detail


def _problem(status: int, detail: str, instance: str, problems: Sequence[FieldProblem], faults: Faults) -> ErrorAnswer:
    detail = _tainted(detail, faults)
    if faults.on("error_not_problem_json"):
        return status, json.dumps({"detail": detail}).encode(), JSON_CONTENT_TYPE
    doc = {"type": "about:blank", "title": title_for(status), "status": status, "detail": detail, "instance": instance}
    return status, json.dumps(doc).encode(), PROBLEM_CONTENT_TYPE


#: Classic: every complaint about the request itself is a 400, with these codes.
CLASSIC_REQUEST_CODES = {400: "bad_request", 409: "conflict", 422: "invalid_request"}
#: Classic: the ``code`` of the other statuses.
CLASSIC_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def _classic(status: int, detail: str, instance: str, problems: Sequence[FieldProblem], faults: Faults) -> ErrorAnswer:
    code = CLASSIC_REQUEST_CODES.get(status) or CLASSIC_CODES.get(status, "error")
    status = 400 if status in CLASSIC_REQUEST_CODES else status
    detail = _tainted(detail, faults)
    if faults.on("error_not_problem_json"):
        return status, json.dumps({"detail": detail}).encode(), JSON_CONTENT_TYPE
    return status, json.dumps({"error": {"code": code, "message": detail}}).encode(), JSON_CONTENT_TYPE


def _fastapi(status: int, detail: str, instance: str, problems: Sequence[FieldProblem], faults: Faults) -> ErrorAnswer:
    if any(p.type == "json_invalid" for p in problems):
        status = 422  # FastAPI answers malformed JSON as a validation error
    if faults.on("error_not_problem_json"):
        return status, _tainted(detail, faults).encode(), "text/plain; charset=utf-8"
    body: Any
    if status == 422:
        listed = problems or (FieldProblem(("body",), detail),)
        body = [{"loc": list(p.loc), "msg": _tainted(p.message, faults), "type": p.type} for p in listed]
    else:
        body = _tainted(detail, faults)
    return status, json.dumps({"detail": body}).encode(), JSON_CONTENT_TYPE


ErrorFormat = Callable[[int, str, str, Sequence[FieldProblem], Faults], ErrorAnswer]
#: The error formats by name (see the module documentation).
ERROR_FORMATS: dict[str, ErrorFormat] = {"problem": _problem, "classic": _classic, "fastapi": _fastapi}
