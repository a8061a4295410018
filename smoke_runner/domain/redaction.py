"""Keeps secrets out of everything the runner writes or prints."""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit, urlunsplit

#: Environment variables whose values must never appear in the runner's own output.
SECRET_VARIABLES = ("TEST_PASSWORD", "SMOKE_ADMIN_TOKEN")
#: URLs whose credentials must never appear; the alert webhook's whole path is its secret (Slack).
URL_VARIABLES = ("PRODUCTION_URL", "PUSHGATEWAY_URL")
SECRET_URL_VARIABLES = ("ALERT_WEBHOOK_URL",)
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


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``https://user:pw@host/x`` -> (``https://host/x``, (``user``, ``pw``)): the URL without its
    user part, and the (URL-decoded) credentials for HTTP Basic auth (None when it has none).
    Credentials left in a URL go to the resolver as part of the host name, never to the server."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    return urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment)), (
        unquote(user),
        unquote(password),
    )


def host_only(url: str) -> str:
    """``https://hooks.slack.com/services/T0/B0/XYZ`` -> ``https://hooks.slack.com``: for URLs whose
    path or query is itself a secret."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "<no host>"
    except ValueError:
        return "<invalid URL>"
    return f"{parts.scheme}://{host}"


def _url_secrets(url: str) -> list[str]:
    """The user name and password of ``url``, read even when the rest of it is malformed."""
    authority = url.split("://", 1)[-1].split("/", 1)[0]
    if "@" not in authority:
        return []
    userinfo = authority.rsplit("@", 1)[0]
    return [part for part in userinfo.split(":", 1) if part]


def secret_values() -> list[str]:
    """The secret values currently set (longest first): TEST_PASSWORD (or its default), the
    credentials in PRODUCTION_URL and PUSHGATEWAY_URL, and ALERT_WEBHOOK_URL's credentials and path."""
    values = [os.environ.get(name, "") for name in SECRET_VARIABLES]
    if not os.environ.get("TEST_PASSWORD"):
        values.append(DEFAULT_TEST_PASSWORD)
    for name in URL_VARIABLES + SECRET_URL_VARIABLES:
        values += _url_secrets(os.environ.get(name, ""))
    for name in SECRET_URL_VARIABLES:
        url = os.environ.get(name, "")
        path = url.split("://", 1)[-1].partition("/")[2]
        if path:
            values.append("/" + path)
    return sorted({value for value in values if len(value) >= 4}, key=len, reverse=True)


def redact(text: str) -> str:
    """``text`` with every secret value replaced by ``***``."""
    for value in secret_values():
        text = text.replace(value, MASK)
    return text
