"""Keeps passwords, bearer tokens and webhook secrets out of every Robot Framework artifact.

Three layers, because no single one is enough (see ``known-traps.md``):

1. A registry of secret *values*: every secret the library sees (``TEST_PASSWORD``, access tokens
   read from login responses, webhook secrets read from creation responses) is registered and
   replaced by ``***`` wherever it appears.
2. Pattern masking for what was never registered: ``Bearer <token>``, JWT-shaped strings,
   ``whsec_`` secrets and JSON fields named like ``password`` or ``secret``.
3. A Robot Framework listener (installed by ``SmokeLibrary``) that applies both to every log
   message, keyword argument and failure message *before* it reaches output.xml, log.html,
   report.html, xUnit or the console; and masked replacements for RequestsLibrary's request and
   response logging, which would otherwise log headers and bodies in full.
"""

from __future__ import annotations

import json
import os
import re
import threading
from typing import Any
from urllib.parse import quote, urlsplit

MASK = "***"
#: Words that make a field secret wherever they appear in its name (``new_password``,
#: ``signing_secret``, ``apiKey``, ``X-Auth-Token``); ``token_type`` is not a secret.
_SECRET_WORDS = r"(?:pass(?:word|wd|phrase)|secret|token(?!_?type)|api[-_]?key|authorization|credential|private[-_]?key)"
SENSITIVE_KEYS = re.compile(rf".*{_SECRET_WORDS}", re.IGNORECASE)
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-signature-256", "x-api-key"}
)
_PATTERNS = (
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-_.~+/=]+"), r"\1" + MASK),
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"), MASK),
    (re.compile(r"whsec_[A-Za-z0-9_\-]+"), MASK),
    (re.compile(r"(?i)(basic\s+)[A-Za-z0-9+/=]{8,}"), r"\1" + MASK),
    (re.compile(r"(://[^/:@\s]+:)[^/@\s]+@"), r"\1" + MASK + "@"),  # https://user:password@host
    (  # "new_password": "…", 'apiKey'='…' (escaped quotes inside the value included)
        re.compile(
            rf"""(?i)(["']?[\w-]*{_SECRET_WORDS}[\w-]*["']?\s*[:=]\s*)"""
            r"""(["'])((?:\\.|(?!\2).)*)\2"""
        ),
        r"\1\2" + MASK + r"\2",
    ),
    (  # form-encoded or query text: password=…&secret=…
        re.compile(rf"""(?i)(\b[\w-]*{_SECRET_WORDS}[\w-]*=)(?!["'])[^&\s"',;]+"""),
        r"\1" + MASK,
    ),
)
LOG_BODY_LIMIT = 2000
_MIN_SECRET_LENGTH = 4

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: object) -> None:
    """Remember ``value`` so that it is masked wherever it appears later."""
    text = str(value) if value is not None else ""
    if len(text) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(text)


def register_environment_secrets() -> None:
    """Register the secrets that arrive through the environment.

    ``TEST_PASSWORD``, and the password of a ``PRODUCTION_URL`` such as ``https://user:pw@host``
    (it would otherwise appear in every logged request URL).
    """
    for name in ("TEST_PASSWORD",):
        if os.environ.get(name):
            register_secret(os.environ[name])
    try:
        url_password = urlsplit(os.environ.get("PRODUCTION_URL", "")).password
    except ValueError:
        url_password = None
    if url_password:
        register_secret(url_password)
        register_secret(quote(url_password, safe=""))


def mask_text(text: str) -> str:
    """Return ``text`` with every registered secret and every secret-looking value masked."""
    if not text:
        return text
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def mask_data(data: Any) -> Any:
    """Return a copy of JSON-like ``data`` with sensitive fields and registered values masked."""
    if isinstance(data, dict):
        return {
            key: MASK if SENSITIVE_KEYS.match(str(key)) and value else mask_data(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [mask_data(item) for item in data]
    if isinstance(data, str):
        return mask_text(data)
    return data


def mask_headers(headers: Any) -> dict[str, str]:
    """Return headers as a plain dict with credential-bearing headers masked."""
    return {
        str(name): MASK if str(name).lower() in SENSITIVE_HEADERS else mask_text(str(value))
        for name, value in dict(headers or {}).items()
    }


def mask_body(body: Any, limit: int = LOG_BODY_LIMIT) -> str:
    """Return a request or response body as masked, length-bounded text for the log."""
    if body is None or body == b"" or body == "":
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    text = str(body)
    try:
        text = mask_text(json.dumps(mask_data(json.loads(text)), ensure_ascii=False))
    except (ValueError, TypeError):
        text = mask_text(text)
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit} more characters not logged)"
    return text


class MaskedDict(dict):
    """A JSON payload whose printed form never shows its sensitive fields.

    ``requests`` serialises the real values; Robot Framework's log shows ``repr``.
    """

    def __repr__(self) -> str:
        return repr(mask_data(dict(self)))

    __str__ = __repr__


class MaskingListener:
    """Listener (API v3) that masks secrets in everything Robot Framework records."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self) -> None:
        register_environment_secrets()

    def log_message(self, message: Any) -> None:
        message.message = mask_text(message.message)

    def message(self, message: Any) -> None:
        message.message = mask_text(message.message)

    def end_keyword(self, data: Any, result: Any) -> None:
        result.args = tuple(mask_text(str(arg)) for arg in result.args)
        _mask_message_and_doc(result)

    def end_test(self, data: Any, result: Any) -> None:
        _mask_message_and_doc(result)

    def end_suite(self, data: Any, result: Any) -> None:
        _mask_message_and_doc(result)


def _mask_message_and_doc(result: Any) -> None:
    """Failure messages and documentation (Robot resolves variables such as ``${BASE_URL}`` in it)."""
    if getattr(result, "message", None):
        result.message = mask_text(result.message)
    if getattr(result, "doc", None):
        result.doc = mask_text(result.doc)


def _masked_log_request(response: Any) -> None:
    from robot.api import logger

    request = response.history[0].request if response.history else response.request
    logger.info(
        f"{request.method} Request : url={mask_text(request.url)}\n"
        f"headers={mask_headers(request.headers)}\n"
        f"body={mask_body(request.body)}"
    )


def _masked_log_response(response: Any) -> None:
    from robot.api import logger

    logger.info(
        f"{response.request.method} Response : url={mask_text(response.url)}\n"
        f"status={response.status_code}, reason={response.reason}, "
        f"elapsed={response.elapsed.total_seconds() * 1000:.0f} ms\n"
        f"headers={mask_headers(response.headers)}\n"
        f"body={mask_body(response.text)}"
    )


def install_requests_library_masking() -> None:
    """Replace RequestsLibrary's request/response logging with masked, length-bounded versions."""
    from RequestsLibrary import log as requests_log

    requests_log.log_request = _masked_log_request
    requests_log.log_response = _masked_log_response
