"""Fast checks before any test runs: Python version, importable requirements, reachable target."""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import socket
import sys
from dataclasses import dataclass
from urllib.parse import urlsplit

from smoke_runner.redact import public_url, redact, split_credentials

MIN_PYTHON = (3, 9)

#: Modules the suites need (requirements.txt) and those the bundled reference API needs (--demo).
SUITE_MODULES = ("robot", "pabot", "RequestsLibrary", "JSONLibrary", "requests", "prometheus_client", "cryptography")
DEMO_MODULES = ("fastapi", "uvicorn", "sqlalchemy", "jwt", "argon2")

DEFAULT_PREFLIGHT_TIMEOUT = 5.0


class ConfigurationError(Exception):
    """A usage or configuration problem: the run cannot start (exit code 2)."""


def check_python() -> None:
    """Raise ConfigurationError below Python 3.9."""
    if sys.version_info < MIN_PYTHON:
        found = ".".join(str(part) for part in sys.version_info[:3])
        raise ConfigurationError(f"Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]}+ is required, found {found}")


def missing_modules(demo: bool = False) -> list[str]:
    """Names of required modules that cannot be imported."""
    names = SUITE_MODULES + (DEMO_MODULES if demo else ())
    return [name for name in names if importlib.util.find_spec(name) is None]


def check_requirements(demo: bool = False) -> None:
    """Raise ConfigurationError naming the requirements that are not installed."""
    missing = missing_modules(demo)
    if missing:
        files = "requirements.txt" + (" and reference_api/requirements.txt" if demo else "")
        raise ConfigurationError(
            f"Missing Python packages: {', '.join(missing)}. Install {files} into the virtual environment "
            "(run_smoke.sh / run_smoke.bat do this for you)."
        )


def validate_url(url: str) -> str:
    """Return ``url`` without a trailing slash, or raise ConfigurationError if it is not http(s)."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as error:
        raise ConfigurationError(f"PRODUCTION_URL is not a valid URL: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"PRODUCTION_URL must be an http:// or https:// URL with a host, got {public_url(url)!r}"
        )
    return url.strip().rstrip("/")


#: Service URLs that may carry credentials (sent as HTTP Basic auth).
SERVICE_URL_VARIABLES = ("PUSHGATEWAY_URL", "ALERT_WEBHOOK_URL")


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is this machine: ``localhost``, a loopback address, or a name (such as
    ``*.localhost``) that resolves only to loopback addresses."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if not host.endswith(".localhost"):
        return False
    try:
        addresses = {str(info[4][0]).split("%", 1)[0] for info in socket.getaddrinfo(host, None)}
        return bool(addresses) and all(ipaddress.ip_address(address).is_loopback for address in addresses)
    except (OSError, UnicodeError, ValueError):
        return False


def check_service_urls() -> None:
    """PUSHGATEWAY_URL and ALERT_WEBHOOK_URL must be valid http(s) URLs; credentials in them go
    over plain http:// only to this machine, unless ALLOW_PLAINTEXT_CREDENTIALS=true."""
    allow_plaintext = os.environ.get("ALLOW_PLAINTEXT_CREDENTIALS", "").strip().lower() in ("1", "true", "yes", "on")
    for name in SERVICE_URL_VARIABLES:
        url = os.environ.get(name, "").strip()
        if not url:
            continue
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a bad port
            _, credentials = split_credentials(url)
        except ValueError as error:
            raise ConfigurationError(f"{name} is not a valid URL: {redact(str(error))}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"{name} must be an http:// or https:// URL with a host")
        if credentials and parts.scheme == "http" and not allow_plaintext and not is_loopback_host(parts.hostname):
            raise ConfigurationError(
                f"{name} carries credentials over plain http:// to {parts.hostname}: use https:// "
                "(or ALLOW_PLAINTEXT_CREDENTIALS=true on a trusted network)"
            )


@dataclass
class ReachabilityResult:
    """Outcome of the reachability probe: ``error`` is None when the target answered."""

    error: str | None
    status: int | None = None
    seconds: float = 0.0


def probe_target(url: str, timeout: float, ca_bundle: str = "") -> ReachabilityResult:
    """One GET of ``url``; any HTTP status counts as an answer.

    ``timeout`` bounds the connection and the wait for the first byte; TLS is verified against
    ``ca_bundle`` when given (passed per request, so ``REQUESTS_CA_BUNDLE`` cannot override it).
    """
    import time

    import requests

    verify: bool | str = ca_bundle or True
    started = time.monotonic()
    try:
        response = requests.get(url, timeout=(timeout, timeout), verify=verify, allow_redirects=False, stream=True)
        response.close()
    except requests.exceptions.SSLError as error:
        return ReachabilityResult(_one_line("TLS verification failed", error), seconds=time.monotonic() - started)
    except requests.exceptions.ConnectTimeout:
        reason = f"no connection to {public_url(url)} within {timeout:g} s"
        return ReachabilityResult(reason, seconds=time.monotonic() - started)
    except requests.exceptions.ReadTimeout:
        reason = f"{public_url(url)} accepted the connection but sent no answer within {timeout:g} s"
        return ReachabilityResult(reason, seconds=time.monotonic() - started)
    except requests.exceptions.ConnectionError as error:
        return ReachabilityResult(
            _one_line(f"cannot connect to {public_url(url)}", error), seconds=time.monotonic() - started
        )
    except (requests.exceptions.RequestException, OSError, ValueError) as error:
        return ReachabilityResult(
            _one_line(f"request to {public_url(url)} failed", error), seconds=time.monotonic() - started
        )
    return ReachabilityResult(None, response.status_code, time.monotonic() - started)


def _one_line(prefix: str, error: BaseException) -> str:
    text = str(error)
    for marker in (
        "Connection refused",
        "Name or service not known",
        "nodename nor servname",
        "No route to host",
        "Network is unreachable",
        "certificate verify failed",
        "CERTIFICATE_VERIFY_FAILED",
        "hostname mismatch",
        "Temporary failure in name resolution",
    ):
        if marker in text:
            text = marker
            break
    else:
        text = " ".join(text.split())[:200]
    return redact(f"{prefix}: {text}")
