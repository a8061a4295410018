"""CORS preflight answers: an allow-list of origins, never a wildcard together with credentials."""

from __future__ import annotations

from collections.abc import Mapping

import requests
from robot.api import logger
from robot.api.deco import keyword

from ._common import describe, log_table

CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
    "Vary",
)


def _get(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _tokens(value: str | None) -> list[str]:
    return [token.strip().lower() for token in (value or "").split(",") if token.strip()]


def wildcard_with_credentials(headers: Mapping[str, str]) -> bool:
    """Whether ``Access-Control-Allow-Origin: *`` comes with ``Access-Control-Allow-Credentials: true``."""
    origin = (_get(headers, "Access-Control-Allow-Origin") or "").strip()
    credentials = (_get(headers, "Access-Control-Allow-Credentials") or "").strip().lower()
    return origin == "*" and credentials == "true"


def allowed_preflight_problems(headers: Mapping[str, str], status: int, origin: str, method: str) -> list[str]:
    """What is wrong with the preflight answer for an allowed ``origin`` (empty when nothing)."""
    problems = []
    if wildcard_with_credentials(headers):
        problems.append("Access-Control-Allow-Origin is '*' together with Access-Control-Allow-Credentials: true")
    if not 200 <= status < 300:
        problems.append(f"the preflight answered HTTP {status} instead of 200/204")
    allow_origin = _get(headers, "Access-Control-Allow-Origin")
    if allow_origin is None:
        problems.append(f"Access-Control-Allow-Origin is missing (expected {origin})")
    elif allow_origin.strip() != origin:
        problems.append(f"Access-Control-Allow-Origin is '{allow_origin}' (expected exactly {origin})")
    methods = _tokens(_get(headers, "Access-Control-Allow-Methods"))
    if method.lower() not in methods and methods != ["*"]:
        problems.append(
            f"Access-Control-Allow-Methods is '{_get(headers, 'Access-Control-Allow-Methods') or ''}' "
            f"(expected it to include {method.upper()})"
        )
    if "origin" not in _tokens(_get(headers, "Vary")) and _tokens(_get(headers, "Vary")) != ["*"]:
        problems.append(
            f"Vary is '{_get(headers, 'Vary') or ''}' (expected it to include Origin, "
            "so caches do not serve one origin's answer to another)"
        )
    return problems


def refused_preflight_problems(headers: Mapping[str, str], origin: str) -> list[str]:
    """What is wrong with the preflight answer for an origin that must be refused."""
    problems = []
    if wildcard_with_credentials(headers):
        problems.append("Access-Control-Allow-Origin is '*' together with Access-Control-Allow-Credentials: true")
    allow_origin = _get(headers, "Access-Control-Allow-Origin")
    if allow_origin is not None and not problems:
        problems.append(
            f"Access-Control-Allow-Origin is '{allow_origin}' for the disallowed origin '{origin}' "
            "(expected no Access-Control-Allow-Origin at all)"
        )
    return problems


def _log_preflight(response: requests.Response, origin: str) -> None:
    log_table(
        f"Preflight OPTIONS {response.url} from Origin: {origin} answered {response.status_code}",
        ("header", "value"),
        [(name, _get(response.headers, name) or "-") for name in CORS_HEADERS],
    )


class CorsKeywords:
    """Keywords that judge CORS preflight responses."""

    @keyword("CORS Preflight Should Allow Origin")
    def cors_preflight_should_allow_origin(self, response: requests.Response, origin: str, method: str) -> None:
        """Fails unless the preflight ``response`` allows exactly ``origin`` and ``method`` with ``Vary: Origin``.

        ``Access-Control-Allow-Origin: *`` together with ``Access-Control-Allow-Credentials: true`` always fails.

        | CORS Preflight Should Allow Origin | ${response} | https://app.example.com | GET |
        """
        _log_preflight(response, origin)
        problems = allowed_preflight_problems(response.headers, response.status_code, origin, method)
        if problems:
            raise AssertionError(
                f"Preflight from allowed origin {origin} for {method.upper()} is wrong: {'; '.join(problems)}. "
                f"{describe(response)}"
            )
        logger.info(f"{response.url} allows {origin} to send {method.upper()}.")

    @keyword("CORS Preflight Should Refuse Origin")
    def cors_preflight_should_refuse_origin(self, response: requests.Response, origin: str) -> None:
        """Fails when the preflight ``response`` grants the disallowed ``origin`` any ``Access-Control-Allow-Origin``.

        | CORS Preflight Should Refuse Origin | ${response} | https://evil.example.net |
        | CORS Preflight Should Refuse Origin | ${response} | null |
        """
        _log_preflight(response, origin)
        problems = refused_preflight_problems(response.headers, origin)
        if problems:
            raise AssertionError(
                f"Preflight from disallowed origin '{origin}' must be refused, but {'; '.join(problems)}. "
                f"{describe(response)}"
            )
        logger.info(f"{response.url} gives the disallowed origin '{origin}' no Access-Control-Allow-Origin.")
