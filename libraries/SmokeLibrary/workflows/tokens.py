"""Forged variants of a real bearer token, for checking that the API rejects them.

Every variant is returned as a ``Secret`` and registered for masking: a forged token is built
from the real one and would reveal most of it.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret

from ..masking import register_secret


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segments(token: str) -> list[str]:
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise AssertionError("The access token is not a JWT (header.payload.signature); cannot forge variants of it")
    return parts


def tamper_signature(token: str) -> str:
    """``token`` with its signature bytes altered (every bit of the first byte flipped), header and claims unchanged."""
    header, payload, signature = _segments(token)
    raw = bytearray(_b64decode(signature)) or bytearray(b"\x00")
    raw[0] ^= 0xFF
    return f"{header}.{payload}.{_b64encode(bytes(raw))}"


def unsigned(token: str) -> str:
    """``token``'s claims under the header ``{"alg": "none"}`` with an empty signature."""
    _, payload, _ = _segments(token)
    header = {"alg": "none", "typ": "JWT"}
    return f"{_b64encode(json.dumps(header, separators=(',', ':')).encode())}.{payload}."


def claims_of(token: str) -> dict[str, Any]:
    """The (unverified) claims of a JWT."""
    return _json_object(_b64decode(_segments(token)[1]))


def header_of(token: str) -> dict[str, Any]:
    """The (unverified) header of a JWT."""
    return _json_object(_b64decode(_segments(token)[0]))


def _json_object(raw: bytes) -> dict[str, Any]:
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError(f"a JWT segment must be a JSON object, got {type(value).__name__}")
    return value


def _secret(value: str) -> Secret:
    register_secret(value)
    return Secret(value)


class TokenKeywords:
    """Keywords that forge invalid tokens from a valid one."""

    @keyword("Token With Tampered Signature")
    def token_with_tampered_signature(self, token: Secret) -> Secret:
        """Returns ``token`` with an altered signature (same header and claims) as a ``Secret``.

        An API that verifies signatures must answer 401 to it.

        | ${forged} =    Token With Tampered Signature    ${token}
        """
        register_secret(token.value)
        logger.info("Forged a token with the original header and claims but an altered signature")
        return _secret(tamper_signature(token.value))

    @keyword("Unsigned Token From")
    def unsigned_token_from(self, token: Secret) -> Secret:
        """Returns ``token``'s claims under ``alg: none`` with no signature, as a ``Secret``.

        | ${forged} =    Unsigned Token From    ${token}
        """
        register_secret(token.value)
        logger.info('Forged an unsigned token ({"alg": "none"}) with the original claims')
        return _secret(unsigned(token.value))

    @keyword("Malformed Token")
    def malformed_token(self) -> Secret:
        """Returns a bearer token that is not a JWT at all, as a ``Secret``.

        | ${forged} =    Malformed Token
        """
        return Secret("not-a-jwt.malformed")
