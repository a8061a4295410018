"""Service settings read from the environment."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .dialects import DIALECT_SURFACES

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
DATA_DIR = PACKAGE_DIR / "data"
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'lattice.db'}"
DEFAULT_CA_BUNDLE = DATA_DIR / "tls" / "ca.pem"
#: The HTTP surfaces the service can present (see :mod:`reference_api.dialects`).
DIALECTS = tuple(DIALECT_SURFACES)


class ConfigError(ValueError):
    """A setting has a value the service cannot use."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything configurable through environment variables."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(48), repr=False)
    token_ttl_seconds: int = 900
    #: The cost of password hashing (argon2id); lower only for tests.
    argon2_memory_kib: int = 19456
    argon2_time_cost: int = 2
    cors_allowed_origins: tuple[str, ...] = ("https://app.example.com",)
    rate_limit_window_seconds: int = 10
    rate_limit_anon: int = 30
    rate_limit_auth: int = 60
    rate_limit_user: int = 300
    rate_limit_shared: int = 0
    slow_ms: int = 600
    bulk_slow_ms: int = 6000
    enable_test_routes: bool = False
    dialect: str = "contract"
    #: The lean dialect's admin credential (``LATTICE_ADMIN_TOKEN``); None: admin routes refuse everyone.
    admin_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``env`` (default: ``os.environ``)."""
        env = os.environ if env is None else env
        origins = tuple(
            o.strip().rstrip("/")
            for o in env.get("CORS_ALLOWED_ORIGINS", "https://app.example.com").split(",")
            if o.strip()
        )
        secret = env.get("JWT_SECRET", "").strip() or secrets.token_urlsafe(48)
        dialect = env.get("LATTICE_DIALECT", "").strip().lower() or "contract"
        if dialect not in DIALECTS:
            raise ConfigError(f"LATTICE_DIALECT must be one of {', '.join(DIALECTS)}, got {dialect!r}")
        return cls(
            database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
            redis_url=env.get("REDIS_URL", "").strip() or None,
            jwt_secret=secret,
            token_ttl_seconds=_int(env, "TOKEN_TTL_SECONDS", 900, minimum=1),
            argon2_memory_kib=_int(env, "ARGON2_MEMORY_KIB", 19456, minimum=8),
            argon2_time_cost=_int(env, "ARGON2_TIME_COST", 2, minimum=1),
            cors_allowed_origins=origins,
            rate_limit_window_seconds=_int(env, "RATE_LIMIT_WINDOW_SECONDS", 10, minimum=1),
            rate_limit_anon=_int(env, "RATE_LIMIT_ANON", 30, minimum=1),
            rate_limit_auth=_int(env, "RATE_LIMIT_AUTH", 60, minimum=1),
            rate_limit_user=_int(env, "RATE_LIMIT_USER", 300, minimum=1),
            rate_limit_shared=_int(env, "RATE_LIMIT_SHARED", 0),
            slow_ms=_int(env, "LATTICE_SLOW_MS", 600),
            bulk_slow_ms=_int(env, "LATTICE_BULK_SLOW_MS", 6000),
            enable_test_routes=env.get("LATTICE_ENABLE_TEST_ROUTES", "").strip().lower() in {"1", "true", "yes", "on"},
            dialect=dialect,
            admin_token=env.get("LATTICE_ADMIN_TOKEN", "").strip() or None,
        )
