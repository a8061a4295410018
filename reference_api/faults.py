"""Fault injection: named, deliberate defects that each break exactly one behaviour.

The smoke suite's own tests start the API with one fault enabled to prove that the smoke test
guarding that behaviour fails. Faults come from ``--fault NAME`` (repeatable) and the environment
variable ``LATTICE_FAULTS`` (comma-separated). Every fault is a small, explicit branch in the code,
found by searching for its name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Every fault the service knows, with the one behaviour it breaks.
KNOWN_FAULTS: dict[str, str] = {
    "health_body_fail": '/health answers HTTP 200 with "status":"fail"',
    "health_status_mismatch": '/health answers HTTP 503 with "status":"pass"',
    "health_garbage": "/health answers 200 text/plain 'OK'",
    "health_no_database_check": "/health omits checks.database",
    "health_no_redis_check": "/health omits checks.redis",
    "health_flat_contradiction": '/health answers 200 {"status": "healthy", "database": "unhealthy", "redis": "ok"}',
    "health_pass_with_failed_check": '/health answers 200 "status":"pass" while checks.database is "fail"',
    "metrics_garbage": "/metrics body is not valid exposition format",
    "metrics_wrong_content_type": "/metrics is served as application/json",
    "metrics_missing_family": "/metrics omits the paths_computed_total family",
    "metrics_frozen": "http_requests_total never changes after startup",
    "health_not_counted": "http_requests_total counts every request but those to /health",
    "slow_responses": "every response except /metrics is delayed by LATTICE_SLOW_MS (default 600) ms",
    "login_500": "login with wrong credentials answers 500",
    "register_accepts_empty": "registration with an empty/invalid body answers 201 with a made-up user",
    "register_allows_duplicate": "a second registration of an existing email answers 201",
    "login_no_expiry": "the login response lacks expires_in",
    "accept_tampered_token": "token signatures are not verified",
    "accept_alg_none": "unsigned alg=none tokens are accepted",
    "no_rate_limit": "never answers 429 (RateLimit headers still present)",
    "rate_limit_no_headers": "limits enforced but no RateLimit-* and no Retry-After headers",
    "cors_reflect_any_origin": "CORS reflects any Origin (including null)",
    "cors_wildcard_credentials": "CORS answers '*' together with Allow-Credentials: true",
    "missing_security_headers": "drops X-Content-Type-Options and Content-Security-Policy",
    "weak_security_headers": "X-Frame-Options ALLOWALL, CSP report-only, Referrer-Policy unsafe-url",
    "server_disclosure": "adds X-Powered-By and a versioned Server header",
    "hsts_short": "over TLS, HSTS max-age=300",
    "error_stack_trace": "error bodies contain a fake traceback with a file path and SQL",
    "error_not_problem_json": (
        "errors leave the dialect's format: application/json {'detail': ...} (lean, whose errors are that: text/plain)"
    ),
    "tenant_leak": "GET /api/v1/lattices/{id} returns another user's lattice",
    "tenant_leak_listing": "GET /api/v1/lattices lists every user's lattices (its total stays the caller's own)",
    "tenant_leak_count": (
        "GET /api/v1/lattices counts every user's lattices in 'total' (its items stay the caller's own)"
    ),
    "tenant_leak_usage": "GET /api/v1/usage reports the counters of all users together",
    "subscription_not_persisted": "PUT /subscription answers the new plan but stores nothing",
    "subscription_accepts_unknown_plan": "PUT /subscription with an unknown plan answers 200",
    "lattice_drops_blocked": "lattices are stored without their blocked cells",
    "lattice_accepts_invalid": "empty names and out-of-bounds blocked cells are accepted",
    "path_not_shortest": "pathfinding returns a valid path 2 steps longer than the shortest",
    "path_through_blocked": "pathfinding ignores blocked cells",
    "path_wrong_distance": "distance is len(path) instead of len(path)-1",
    "webhook_unsigned": "deliveries carry no X-Signature-256",
    "webhook_bad_signature": "deliveries are signed with a wrong key",
    "webhook_secret_in_listing": "GET /api/v1/webhooks includes the secrets",
    "webhook_no_delivery": "the test endpoint answers 202 but sends and records nothing",
    "usage_not_counted": "usage counters never change",
    "error_leaves_data": "a lattice creation rejected with 422 still stores a row",
    "bulk_partial": "a bulk create with an invalid item answers 422 but keeps the valid ones",
    "bulk_delete_keeps_rows": "a bulk delete answers the right 'deleted' count but deletes nothing",
    "bulk_slow": "bulk create/delete sleep LATTICE_BULK_SLOW_MS (default 6000) ms",
    "delete_user_keeps_data": "DELETE /users/me (lean: DELETE /admin/users/{id}) answers 204 but deletes nothing",
    "flaky_once": "the first GET /api/v1/subscription after start answers 500, later ones succeed",
    "subscription_fails_then_throttled": "the first GET /api/v1/subscription after start answers 500, later ones 429",
}

#: Faults only visible over HTTPS: a proof of one of them runs the service with ``--tls``.
HTTPS_ONLY_FAULTS: frozenset[str] = frozenset({"hsts_short"})

_NO_WEBHOOKS = dict.fromkeys(
    ("webhook_unsigned", "webhook_bad_signature", "webhook_secret_in_listing", "webhook_no_delivery"),
    "offers no webhooks",
)
_NO_SUBSCRIPTION = dict.fromkeys(
    (
        "subscription_not_persisted",
        "subscription_accepts_unknown_plan",
        "flaky_once",
        "subscription_fails_then_throttled",
    ),
    "offers no plans or subscriptions",
)
_NO_BULK = dict.fromkeys(("bulk_partial", "bulk_delete_keeps_rows", "bulk_slow"), "offers no bulk operations")

#: Faults that change nothing in a dialect, per dialect, with the reason (what the dialect does not
#: offer). Proofs naming them are not run against that dialect.
NOT_IN_DIALECT: dict[str, dict[str, str]] = {
    "classic": {
        **{name: f"classic {why}" for name, why in _NO_WEBHOOKS.items()},
        "tenant_leak_count": "classic listings are bare arrays without a total",
    },
    "lean": {
        **{name: f"lean {why}" for name, why in {**_NO_WEBHOOKS, **_NO_SUBSCRIPTION, **_NO_BULK}.items()},
        "tenant_leak": "lean has no route that reads one lattice by id",
        "health_no_redis_check": "lean has no cache: its health report never has a cache entry",
    },
}


class UnknownFaultError(ValueError):
    """Raised for a fault name the service does not know."""


@dataclass(frozen=True)
class Faults:
    """The frozen set of enabled faults."""

    enabled: frozenset[str] = frozenset()

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str) and name not in KNOWN_FAULTS:
            raise UnknownFaultError(f"internal error: fault {name!r} is checked but not declared")
        return name in self.enabled

    def on(self, name: str) -> bool:
        """Whether the fault ``name`` is enabled."""
        return name in self

    @classmethod
    def parse(cls, names: Iterable[str]) -> Faults:
        """Build the set from names (blank entries ignored); unknown names raise with the valid list."""
        cleaned = {n.strip() for n in names if n and n.strip()}
        unknown = sorted(cleaned - KNOWN_FAULTS.keys())
        if unknown:
            raise UnknownFaultError(
                f"unknown fault name(s): {', '.join(unknown)}. Valid names: {', '.join(sorted(KNOWN_FAULTS))}"
            )
        return cls(frozenset(cleaned))

    @classmethod
    def from_sources(cls, cli: Iterable[str], env_value: str | None) -> Faults:
        """Combine ``--fault`` options and the comma-separated ``LATTICE_FAULTS`` value."""
        names = list(cli)
        if env_value:
            names.extend(env_value.split(","))
        return cls.parse(names)
