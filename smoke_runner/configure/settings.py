"""The run's settings from the environment, checked before anything starts: time limits, the
target URL, the service URLs that may carry credentials. Every problem is a configuration error
(exit code 2), never a silently unlimited or misdirected run."""

from __future__ import annotations

import ipaddress
import math
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from smoke_runner.domain.redaction import public_url, redact, split_credentials

#: Default time limit (seconds) of the tests, first run and re-run together (SMOKE_RUN_TIMEOUT).
DEFAULT_RUN_TIMEOUT = 900.0
DEFAULT_PREFLIGHT_TIMEOUT = 5.0
DEFAULT_API_TIMEOUT = 30.0
#: Sane ranges (seconds) of the time settings: finite, above zero, at most the maximum.
TIME_LIMITS = {"API_TIMEOUT": 600.0, "PREFLIGHT_TIMEOUT": 600.0, "SMOKE_RUN_TIMEOUT": 86400.0}
#: Service URLs that may carry credentials (sent as HTTP Basic auth).
SERVICE_URL_VARIABLES = ("PUSHGATEWAY_URL", "ALERT_WEBHOOK_URL")
TRUE_WORDS = ("1", "true", "yes", "on")


class ConfigurationError(Exception):
    """A usage or configuration problem: the run cannot start (exit code 2)."""


@dataclass(frozen=True)
class TimeSettings:
    """The run's time limits, in seconds."""

    api_timeout: float
    preflight_timeout: float
    run_timeout: float


def seconds_setting(env: Mapping[str, str], name: str, default: float) -> float:
    """``env[name]`` as seconds: a finite number in (0, TIME_LIMITS[name]]; anything else (0, -1,
    abc, nan, inf, 1e30) is a configuration error."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    maximum = TIME_LIMITS[name]
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= maximum):
        raise ConfigurationError(f"{name} must be a number of seconds above 0 and at most {maximum:g}, got {raw!r}")
    return value


def time_settings(env: Mapping[str, str]) -> TimeSettings:
    """API_TIMEOUT (read by the suites), PREFLIGHT_TIMEOUT and SMOKE_RUN_TIMEOUT, checked."""
    return TimeSettings(
        seconds_setting(env, "API_TIMEOUT", DEFAULT_API_TIMEOUT),
        seconds_setting(env, "PREFLIGHT_TIMEOUT", DEFAULT_PREFLIGHT_TIMEOUT),
        seconds_setting(env, "SMOKE_RUN_TIMEOUT", DEFAULT_RUN_TIMEOUT),
    )


def validate_url(url: str) -> str:
    """``url`` without a trailing slash, or a configuration error if it is not an http(s) URL with a host."""
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


def check_service_urls(env: Mapping[str, str]) -> None:
    """PUSHGATEWAY_URL and ALERT_WEBHOOK_URL must be valid http(s) URLs; credentials in them go
    over plain http:// only to this machine, unless ALLOW_PLAINTEXT_CREDENTIALS=true."""
    allow_plaintext = env.get("ALLOW_PLAINTEXT_CREDENTIALS", "").strip().lower() in TRUE_WORDS
    for name in SERVICE_URL_VARIABLES:
        url = env.get(name, "").strip()
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
