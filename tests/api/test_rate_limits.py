"""Rate limits in every dialect: fixed windows per bucket, headers, 429s, never on /health and /metrics."""

from __future__ import annotations

import time

import pytest

from .harness import InProcessApi
from .surfaces import (
    ALLOWED_ORIGIN,
    CONTRACT,
    DIALECT_ENV,
    SECURITY_HEADERS,
    SURFACES,
    anon,
)

WINDOW = 3600  # long, so that a test rarely waits for the next window
LIMITS = {
    "RATE_LIMIT_WINDOW_SECONDS": str(WINDOW),
    "RATE_LIMIT_ANON": "5",
    "RATE_LIMIT_AUTH": "6",
    "RATE_LIMIT_USER": "8",
}


def avoid_window_edge(margin: float = 3.0) -> None:
    """Sleep past the next fixed-window boundary (epoch-aligned) if it is less than ``margin`` away."""
    left = WINDOW - time.time() % WINDOW
    if left < margin:
        time.sleep(left + 0.05)


@pytest.mark.parametrize("dialect", SURFACES)
def test_each_bucket_counts_its_requests_and_answers_429_in_the_dialects_format(dialect: str) -> None:
    s = SURFACES[dialect]
    limit = s.rate_limit_header
    with InProcessApi(dialect, env={**LIMITS, **DIALECT_ENV.get(dialect, {})}) as api:
        avoid_window_edge(margin=8)
        user, other = s.new_user(api), s.new_user(api)  # four requests of the address's auth bucket
        client = anon(api)
        # anonymous: per (address, route)
        answers = [client.get(s.probe) for _ in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        assert [a.headers[f"{limit}-Remaining"] for a in answers] == ["4", "3", "2", "1", "0", "0"]
        assert {a.headers[f"{limit}-Limit"] for a in answers} == {"5"}
        assert 1 <= int(answers[0].headers[f"{limit}-Reset"]) <= WINDOW
        s.error(answers[-1], 429)
        assert int(answers[-1].headers["Retry-After"]) >= 1
        assert all(answers[-1].headers[name] == value for name, value in SECURITY_HEADERS.items())
        assert client.call(s.ops["me"]).headers[f"{limit}-Remaining"] == "4"  # another route keeps its own bucket
        # never limited
        for _ in range(6):
            for path in ("/health", "/metrics"):
                assert client.get(path).status_code == 200 and f"{limit}-Limit" not in client.get(path).headers
            preflight = {"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "GET"}
            assert client.request("OPTIONS", s.probe, headers=preflight).status_code == 204
        # authenticated: per user, whatever the route
        seen = [int(user.call(name).headers[f"{limit}-Remaining"]) for name in ("me", "listing", "usage") * 2]
        assert seen == list(range(7, 1, -1))
        assert [user.call("me").status_code for _ in range(2)] == [200, 200]
        s.error(user.call("usage"), 429)
        assert other.call("me").status_code == 200
        # authentication: per address, registration and login together (4 used by the two users)
        assert [s.login(api, user.email, "wrong password!!").status_code for _ in range(2)] == [401, 401]
        throttled = anon(api).call(s.ops["register"], json={})
        s.error(throttled, 429)
        assert throttled.headers[f"{limit}-Limit"] == "6"


def test_a_shared_budget_counts_every_request_of_the_address() -> None:
    """RATE_LIMIT_SHARED: one budget per address for anonymous, login and token requests on every route."""
    with InProcessApi(env={**LIMITS, "RATE_LIMIT_SHARED": "20"}) as api:
        avoid_window_edge(margin=8)
        user = CONTRACT.new_user(api)  # a registration and a login: 2 requests of the budget
        client = anon(api)
        seen = [
            int(client.get("/api/v1/plans").headers["RateLimit-Remaining"]),
            int(user.client.get("/api/v1/users/me").headers["RateLimit-Remaining"]),
            int(client.get("/api/v1/no-such-thing").headers["RateLimit-Remaining"]),
        ]
        assert seen == [17, 16, 15] and client.get("/api/v1/plans").headers["RateLimit-Limit"] == "20"
        assert 429 in [client.get("/api/v1/plans").status_code for _ in range(20)]
        CONTRACT.error(user.client.get("/api/v1/users/me"), 429)  # the user meets the address's limit too
        assert client.get("/health").status_code == 200
