"""Keeps secrets out of everything the runner writes or prints."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

#: Environment variables whose values must never appear in the runner's own output.
SECRET_VARIABLES = ("TEST_PASSWORD",)
#: The suites' password when TEST_PASSWORD is unset (the seed's default, variables/environment.py).
DEFAULT_TEST_PASSWORD = "SmokeTest123!@#"
MASK = "***"


def public_url(url: str) -> str:
    """``https://user:pw@host:8443/x?token=1`` -> ``https://host:8443/x`` (no credentials, no query)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def secret_values() -> list[str]:
    """The secret values currently set (longest first), plus the password of PRODUCTION_URL."""
    values = [os.environ.get(name, "") for name in SECRET_VARIABLES]
    if not os.environ.get("TEST_PASSWORD"):
        values.append(DEFAULT_TEST_PASSWORD)
    try:
        password = urlsplit(os.environ.get("PRODUCTION_URL", "")).password
    except ValueError:
        password = None
    if password:
        values.append(password)
    return sorted({value for value in values if len(value) >= 4}, key=len, reverse=True)


def redact(text: str) -> str:
    """``text`` with every secret value replaced by ``***``."""
    for value in secret_values():
        text = text.replace(value, MASK)
    return text
