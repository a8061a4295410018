"""Password hashing (argon2) and JWT bearer tokens (HS256, with ``exp``)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .faults import Faults

ALGORITHM = "HS256"
ISSUER = "lattice-reference-api"


class Passwords:
    """argon2id hashing; the default cost is OWASP's minimum profile (19 MiB, t=2, p=1)."""

    def __init__(self, memory_kib: int = 19456, time_cost: int = 2) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        self._dummy_hash = self._hasher.hash("timing-equaliser-password")

    def hash(self, password: str) -> str:
        """The argon2id hash of ``password``."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; with no hash, burn the same time and answer False."""
        try:
            return self._hasher.verify(password_hash or self._dummy_hash, password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True)
class TokenService:
    """Issues and checks bearer tokens."""

    secret: str
    ttl_seconds: int
    faults: Faults

    def issue(self, user_id: str) -> str:
        """A signed token for ``user_id`` that expires after the TTL."""
        now = int(time.time())
        claims = {
            "sub": user_id,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "iss": ISSUER,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def subject(self, token: str) -> str | None:
        """The user id of a valid token, else None (bad signature, alg, expiry, shape)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return None
        alg = str(header.get("alg", ""))
        try:
            if alg.lower() == "none" and self.faults.on("accept_alg_none"):
                claims = _decode_unsigned(token)
            elif alg == ALGORITHM and self.faults.on("accept_tampered_token"):
                claims = jwt.decode(
                    token,
                    options={"verify_signature": False, "verify_exp": True, "require": ["exp", "sub"]},
                    algorithms=[ALGORITHM],
                )
            else:
                claims = jwt.decode(
                    token,
                    self.secret,
                    algorithms=[ALGORITHM],
                    issuer=ISSUER,
                    options={"require": ["exp", "sub", "iat"]},
                )
        except (jwt.PyJWTError, ValueError):
            return None
        sub = claims.get("sub")
        return sub if isinstance(sub, str) and sub else None


def _decode_unsigned(token: str) -> dict[str, object]:
    """Claims of an ``alg: none`` token (used only by the ``accept_alg_none`` fault)."""
    parts = token.split(".")
    if len(parts) < 2:
        raise ValueError("not a JWT")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    claims = json.loads(base64.urlsafe_b64decode(payload))
    if not isinstance(claims, dict):
        raise ValueError("claims are not an object")
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and exp < time.time():
        raise ValueError("expired")
    return claims


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
